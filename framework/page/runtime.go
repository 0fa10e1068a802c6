package page

import (
	"context"
	"net/http"
	"net/url"
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
// revalidated something at at; see LastWrite.
func MarkWrite(ctx context.Context, at time.Time) {
	if c := FromContext(ctx); c != nil && c.action != nil {
		c.action.wrote = at
	}
}

// LastWrite returns when the action of c last revalidated something, or
// zero: its browser must then read its own write.
func LastWrite(c *Ctx) time.Time {
	if c.action == nil {
		return time.Time{}
	}
	return c.action.wrote
}
