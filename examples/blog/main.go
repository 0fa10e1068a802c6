// Command blog is the gox blog example: time-based revalidation, posts
// prerendered from StaticParams, a paginated list keyed by ?page=, and a
// catch-all docs section.
package main

import gox "github.com/goxweb/gox/framework"

func main() { gox.Run(routeTable) }
