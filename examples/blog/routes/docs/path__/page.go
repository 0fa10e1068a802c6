// Package docs is the docs section, a catch-all route: /docs/{path...}.
package docs

import (
	"context"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/blog/content"
)

// DynamicParams = false: only the pages StaticParams lists exist; any other
// path under /docs is a 404 without rendering.
const DynamicParams = false

// StaticParams lists every docs page.
func StaticParams(ctx context.Context) ([]gox.Params, error) {
	var out []gox.Params
	for _, d := range content.Docs() {
		out = append(out, gox.Params{"path": d.Path})
	}
	return out, nil
}

// Load finds the page.
func Load(c *gox.Ctx) (content.DocPage, error) {
	d, ok := content.Doc(c.Param("path"))
	if !ok {
		return content.DocPage{}, gox.NotFound
	}
	return d, nil
}
