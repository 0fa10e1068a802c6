package gox

import (
	"context"
	"net/http"
	"net/url"
)

// Ctx is what Load and actions receive.
//
// For a cached page Ctx holds only what the cache key holds: the route's
// params and the query values the page lists in Query. Request returns a
// request built from the key alone, with no headers, cookies or client
// address, because the rendered HTML is shared by every visitor and a
// background regeneration has no visitor at all. A page that needs the real
// request is Dynamic.
type Ctx struct {
	ctx    context.Context
	params Params
	query  url.Values
	req    *http.Request
	tags   []string
	app    *App
	action *actionState
}

// Context returns the render's context: it is cancelled when the render
// times out.
func (c *Ctx) Context() context.Context { return c.ctx }

// Param returns the route parameter name.
func (c *Ctx) Param(name string) string { return c.params[name] }

// Params returns all route parameters.
func (c *Ctx) Params() Params { return c.params }

// Query returns the first value of the query parameter name. For a cached
// page only parameters listed in the page's Query are visible.
func (c *Ctx) Query(name string) string { return c.query.Get(name) }

// Request returns the HTTP request. For a cached page it carries only the
// path and the allowlisted query.
func (c *Ctx) Request() *http.Request { return c.req }

// Tag adds data dependencies to the page being rendered, on top of the
// page's Tags, for tags known only while loading (a product's supplier).
// They are stored with the rendered entry, so RevalidateTag of any of them
// regenerates the page.
func (c *Ctx) Tag(tags ...string) { c.tags = append(c.tags, tags...) }
