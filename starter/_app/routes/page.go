// Package routes is the home page, "/".
package routes

import (
	"time"

	gox "github.com/goxweb/gox/framework"
)

// Revalidate: the home page is fresh for a minute.
const Revalidate = time.Minute

// Home is what the home page shows.
type Home struct{ RenderedAt string }

// Load runs when the page is rendered: at build time, then in the
// background when it goes stale.
func Load(c *gox.Ctx) (Home, error) {
	return Home{RenderedAt: time.Now().UTC().Format(time.TimeOnly)}, nil
}
