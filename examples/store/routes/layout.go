package routes

import gox "github.com/goxweb/gox/framework"

// Head is the store's default head: every page's title ends in the store's
// name, and a page without a title of its own is titled with it.
var Head = gox.Head{
	Title:         "gox store",
	TitleTemplate: "%s | gox store",
	Description:   "A demo shop whose pages are served from gox's ISR cache.",
}
