// Command webhook is the gox on-demand revalidation example: a static
// issue list revalidated by a signed webhook (set WEBHOOK_SECRET).
package main

import gox "github.com/goxweb/gox/framework"

func main() { gox.Run(routeTable) }
