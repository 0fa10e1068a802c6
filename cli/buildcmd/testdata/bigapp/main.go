// Command bigapp is a fixture for measuring gox build's prerendering: one
// route whose StaticParams lists GOX_BIGAPP_PAGES ids (default 10,000).
package main

import gox "github.com/goxweb/gox/framework"

func main() { gox.Run(routeTable) }
