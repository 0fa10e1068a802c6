// Package routes is the issue list: static, revalidated only by webhook.
package routes

import (
	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/webhook/tracker"
)

// No Revalidate: the page is static until the webhook revalidates it.

// Tags: the webhook revalidates "issues".
var Tags = []string{"issues"}

// Load reads the issues.
func Load(c *gox.Ctx) ([]tracker.Issue, error) {
	db, err := tracker.Default()
	if err != nil {
		return nil, err
	}
	return db.Issues(c)
}
