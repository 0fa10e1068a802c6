package page

import (
	"context"

	"github.com/goxweb/gox/framework/head"
)

// Head is a page's <head> metadata; see package head.
type Head = head.Head

// heads is the head state of a render.
type heads struct {
	page   Head // what the page's Head function returned
	merged Head // what HeadTags writes
}

// PageHead returns what the page's Head function returned for this render
// (zero when it has none or declares a value).
func PageHead(c *Ctx) Head { return c.head.page }

// SetHead records the merged, resolved head of the page c renders, for
// HeadTags.
func SetHead(c *Ctx, h Head) { c.head.merged = h }

// HeadOf returns the head recorded for the render ctx belongs to (zero
// outside a page render).
func HeadOf(ctx context.Context) Head {
	if c := FromContext(ctx); c != nil {
		return c.head.merged
	}
	return Head{}
}
