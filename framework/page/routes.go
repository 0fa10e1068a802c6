package page

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// Dynamic is the Revalidate value of a page rendered on every request and
// never cached.
const Dynamic time.Duration = 0

// Routes is an app's route table, usually generated into gox_routes.go from
// the routes/ folder.
type Routes struct {
	// Pages are the rendered pages.
	Pages []Page
	// Handlers are plain endpoints (route.go files).
	Handlers []Handler
	// Middleware wraps the requests of folders' URL subtrees
	// (middleware.go files).
	Middleware []Middleware
	// NotFound renders unmatched URLs (routes/not_found.templ); nil uses a
	// plain built-in page.
	NotFound func() templ.Component
	// Layouts wrap NotFound (the root layouts).
	Layouts []func() templ.Component
	// LayoutHeads are the root layouts' Heads, for NotFound.
	LayoutHeads []Head
	// LayoutTags are the root layouts' Tags, for NotFound.
	LayoutTags []func(Params) []string
	// Assets is the bundle gox build made of assets/ (files and manifest),
	// or without it the assets/ folder served as is; nil when it has none.
	Assets fs.FS
	// Static is the app's static/ folder, served at the root as is.
	Static fs.FS
}

// Page is one page route and its caching contract.
type Page struct {
	// Pattern is the URL pattern: "/", "/products/{id}", "/docs/{path...}".
	Pattern string
	// Render produces the page's component; see PageWithLoad.
	Render RenderFunc
	// Layouts wrap the page, outermost first.
	Layouts []func() templ.Component
	// NotFound renders a NotFound result of this page; nil uses the app's.
	NotFound func() templ.Component
	// Error renders a failed render; nil uses a plain built-in page.
	Error func(err error) templ.Component
	// Revalidate is how long a render stays fresh. Zero with Dynamic unset
	// means static: fresh until revalidated on demand.
	Revalidate time.Duration
	// Dynamic pages render on every request and are never cached.
	Dynamic bool
	// Tags returns the data the page depends on; Load may add more with
	// Ctx.Tag.
	Tags func(Params) []string
	// StaticParams lists the params prerendered by gox build.
	StaticParams func(context.Context) ([]Params, error)
	// OnlyStaticParams makes params not listed by StaticParams a 404
	// without rendering (DynamicParams = false in the page contract).
	OnlyStaticParams bool
	// Query lists the query parameters that are part of the cache key.
	Query []string
	// Actions are the page's server actions.
	Actions Actions
	// Head is the page's head when page.go declares it as a value; a Head
	// function is passed to PageWithLoad or PageWithoutLoad instead.
	Head Head
	// LayoutHeads are the defaults of the layouts that declare a Head,
	// outermost first.
	LayoutHeads []Head
	// LayoutTags are the Tags of the layouts that declare them: every page
	// rendered inside a layout depends on what the layout shows.
	LayoutTags []func(Params) []string
}

// Middleware is a middleware.go file's Middleware: it wraps every request
// under Pattern (its folder's URL subtree), cache HITs included, outer
// folders first. It never runs for background regenerations or
// prerendering, and nothing it sees reaches a cached render.
type Middleware struct {
	Pattern string
	Func    func(http.Handler) http.Handler
}

// Handler is a plain endpoint from a route.go file: one method of it.
type Handler struct {
	Pattern string
	Method  string
	Func    echo.HandlerFunc
	// Cached, on a GET, makes the ISR engine cache its responses (route.go
	// exports Revalidate or Tags): under the same key rules as a page (the
	// path and the Query allowlist), rendered by running Func against a
	// request built from the key alone, never a visitor's. Only a complete
	// 200 or a 404 is stored, never one that sets a cookie.
	Cached bool
	// Revalidate is how long a cached response stays fresh; zero: until
	// revalidated on demand.
	Revalidate time.Duration
	// Tags returns the data a cached response depends on.
	Tags func(Params) []string
	// Query lists the query parameters that are part of the cache key.
	Query []string
}

// RenderFunc renders a page for c.
type RenderFunc func(c *Ctx) (templ.Component, error)

// PageWithLoad adapts a Load function and the Page component that takes its
// result into a RenderFunc, with the page's Head function of that result
// when it has one.
func PageWithLoad[T any](load func(*Ctx) (T, error), page func(T) templ.Component, head ...func(T) Head) RenderFunc {
	site := siteOf(load)
	return func(c *Ctx) (templ.Component, error) {
		v, err := load(c)
		if err != nil {
			return nil, site.loadError(err)
		}
		for _, h := range head {
			c.head.page = h(v)
		}
		return page(v), nil
	}
}

// PageWithoutLoad adapts a Page component that takes no props, and the
// page's Head function when it has one.
func PageWithoutLoad(page func() templ.Component, head ...func(Params) Head) RenderFunc {
	return func(c *Ctx) (templ.Component, error) {
		for _, h := range head {
			c.head.page = h(c.params)
		}
		return page(), nil
	}
}

// StaticTags returns a Tags function that always returns tags.
func StaticTags(tags ...string) func(Params) []string {
	return func(Params) []string { return tags }
}

// Sub returns the subtree dir of fsys (an embedded folder), for Routes;
// it panics on an invalid dir, which generated code never passes.
func Sub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Action is a server action: it runs on POST <page>?/<name>.
type Action func(c *Ctx) error

// Actions maps action names to actions.
type Actions map[string]Action
