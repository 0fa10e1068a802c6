package page

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// NewCtx returns the Ctx of a render: ctx bounds it, and params, query and
// req are all it may see (for a cached page, what its key holds).
func NewCtx(ctx context.Context, params Params, query url.Values, req *http.Request) *Ctx {
	return &Ctx{ctx: ctx, params: params, query: query, req: req}
}

// NewActionCtx returns the Ctx of an action that was posted form.
func NewActionCtx(ctx context.Context, params Params, req *http.Request, form url.Values) *Ctx {
	return &Ctx{ctx: ctx, params: params, query: req.URL.Query(), req: req, action: &actionState{form: form}}
}

// FromContext returns the Ctx that ctx is, or is derived from, or nil.
func FromContext(ctx context.Context) *Ctx {
	c, _ := ctx.Value(ctxKey{}).(*Ctx)
	return c
}

// Tags returns the tags Load added with Ctx.Tag.
func Tags(c *Ctx) []string { return c.tags }

// ActionRedirect returns the URL an action asked to be redirected to, or "".
func ActionRedirect(c *Ctx) string {
	if c.action == nil {
		return ""
	}
	return c.action.redirect
}

// MarkWrite records on the action ctx belongs to, if any, that it
// revalidated paths and tags at at; see LastWrite and Written.
func MarkWrite(ctx context.Context, at time.Time, paths, tags []string) {
	if c := FromContext(ctx); c != nil && c.action != nil {
		a := c.action
		a.wrote = at
		a.paths = appendNew(a.paths, paths)
		a.tags = appendNew(a.tags, tags)
	}
}

// appendNew appends the items of add that list lacks.
func appendNew(list, add []string) []string {
	for _, s := range add {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// LastWrite returns when the action of c last revalidated something, or
// zero: its browser must then read its own write.
func LastWrite(c *Ctx) time.Time {
	if c.action == nil {
		return time.Time{}
	}
	return c.action.wrote
}

// Written returns the paths and tags the action of c revalidated, each
// once, in the order first revalidated: the pages its browser must see
// fresh.
func Written(c *Ctx) (paths, tags []string) {
	if c.action == nil {
		return nil, nil
	}
	return c.action.paths, c.action.tags
}
