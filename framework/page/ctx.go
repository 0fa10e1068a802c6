package page

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Ctx is what Load and actions receive. It is a context.Context: pass it to
// database calls and to gox.RevalidateTag.
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
	action *actionState
	head   heads
}

// actionState is what an action's Ctx carries besides a render's.
type actionState struct {
	form     url.Values
	redirect string
	wrote    time.Time // when the action last revalidated something
	paths    []string  // the paths it revalidated
	tags     []string  // the tags it revalidated
}

// ctxKey finds the Ctx in its own context and in a templ render's.
type ctxKey struct{}

// Deadline is the render's or the action's deadline.
func (c *Ctx) Deadline() (time.Time, bool) { return c.ctx.Deadline() }

// Done is closed when the render or the action times out or is abandoned.
func (c *Ctx) Done() <-chan struct{} { return c.ctx.Done() }

// Err says why Done is closed.
func (c *Ctx) Err() error { return c.ctx.Err() }

// Value returns the value of the context for key.
func (c *Ctx) Value(key any) any {
	if key == (ctxKey{}) {
		return c
	}
	return c.ctx.Value(key)
}

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
// They are stored with the rendered entry, so revalidating any of them
// regenerates the page.
func (c *Ctx) Tag(tags ...string) { c.tags = append(c.tags, tags...) }

// FormValue returns the first value of a posted form field.
func (c *Ctx) FormValue(name string) string { return c.Form().Get(name) }

// Form returns the posted form; nil outside an action.
func (c *Ctx) Form() url.Values {
	if c.action == nil {
		return nil
	}
	return c.action.form
}

// Redirect makes a successful action answer with a 303 to url instead of
// the page it was posted to.
func (c *Ctx) Redirect(url string) {
	if c.action != nil {
		c.action.redirect = url
	}
}
