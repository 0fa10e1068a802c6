// Command app is a gox app: gox.Run serves the pages under routes/ from
// the ISR cache.
package main

import gox "github.com/goxweb/gox/framework"

func main() { gox.Run(routeTable) }
