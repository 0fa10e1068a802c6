// Command store is the gox example shop: a product list and product pages
// served from the ISR cache, revalidated by tag when stock changes.
package main

import gox "github.com/goxweb/gox/framework"

func main() { gox.Run(routeTable) }
