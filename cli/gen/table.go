package gen

import (
	"fmt"
	"strings"
	"time"
)

// Table is an app's route table as scanned from routes/.
type Table struct {
	// Module is the import path of the app's main package.
	Module string // import path of the app's main package
	// Pages and Handlers are sorted by pattern.
	Pages    []*Page
	Handlers []*Handler
	// Middleware are the middleware.go files, sorted by pattern.
	Middleware []*Middleware
	// NotFound and Layout name the root package when it has them.
	NotFound bool
	Layout   bool
	// RootHead is the root layout's Head ("routes.Head"), or "".
	RootHead string
	// RootLayout and RootLayoutTags are the root layout's expressions in
	// the table, when it has one (see Page.LayoutExprs).
	RootLayout, RootLayoutTags string
	// Assets and Static report assets/ and static/ folders with files,
	// embedded into the binary.
	Assets, Static bool
	imports        map[string]string // alias -> import path
}

// Page is one page route.
type Page struct {
	Pattern string
	// Dir is the folder relative to the app, e.g. "routes/products/id_".
	Dir   string
	Alias string
	// Load and PageParam: Load exists; Page takes its result.
	Load, PageParam bool
	// HasRevalidate is false for a static page; Revalidate 0 with
	// HasRevalidate is dynamic.
	HasRevalidate bool
	Revalidate    time.Duration
	// Tags is "", "slice" or "func"; StaticTags lists a literal slice.
	Tags         string
	StaticTags   []string
	StaticParams bool
	// DynamicParams is nil when absent.
	DynamicParams *bool
	Query         bool
	Actions       bool
	// Head is "", "value" or "func".
	Head string
	// Layouts, NotFound and Error are package aliases, resolved up the tree.
	Layouts []string
	// LayoutExprs are the layouts' expressions in Page.Layouts
	// ("routes.Layout", or page.LayoutWithLoad of a layout with data), and
	// LayoutTags those of the layouts' Tags, outermost first.
	LayoutExprs, LayoutTags []string
	// LayoutHeads are the Heads of the layouts that declare one
	// ("routes.Head"), outermost first.
	LayoutHeads []string
	NotFound    string
	Error       string
}

// Kind is "static", "ISR" or "dynamic".
func (p *Page) Kind() string {
	switch {
	case !p.HasRevalidate:
		return "static"
	case p.Revalidate <= 0:
		return "dynamic"
	}
	return "ISR"
}

// RevalidateString is the page's Revalidate for people.
func (p *Page) RevalidateString() string {
	switch p.Kind() {
	case "static":
		return "on demand"
	case "dynamic":
		return "every request"
	}
	return durationString(p.Revalidate)
}

// durationString is d.String() without zero trailing units: "1m30s",
// "1m", "1h", not "1m0s" or "1h0m0s".
func durationString(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// TagsString is the page's tags for people.
func (p *Page) TagsString() string {
	switch p.Tags {
	case "slice":
		if p.StaticTags != nil {
			return strings.Join(p.StaticTags, ",")
		}
		return "(var)"
	case "func":
		return "(func)"
	}
	return ""
}

// Handler is a route.go file's endpoints.
type Handler struct {
	Pattern string
	Dir     string
	Alias   string
	Methods []string
	// HasRevalidate and Revalidate, Tags and StaticTags are as on a Page;
	// with Query they make the GET responses cached (see Cached).
	HasRevalidate bool
	Revalidate    time.Duration
	Tags          string
	StaticTags    []string
	Query         bool
}

// Cached reports whether the ISR engine caches the GET responses: route.go
// exports Revalidate (not gox.Dynamic) or Tags.
func (h *Handler) Cached() bool {
	if h.HasRevalidate {
		return h.Revalidate > 0
	}
	return h.Tags != ""
}

// RevalidateString is the cached GET's Revalidate for people, or "-".
func (h *Handler) RevalidateString() string {
	p := Page{HasRevalidate: h.HasRevalidate, Revalidate: h.Revalidate}
	if !h.Cached() {
		return "-"
	}
	return p.RevalidateString()
}

// TagsString is the cached GET's tags for people.
func (h *Handler) TagsString() string {
	return (&Page{Tags: h.Tags, StaticTags: h.StaticTags}).TagsString()
}

// Middleware is a middleware.go file: its Middleware wraps the requests
// under Pattern.
type Middleware struct {
	Pattern string
	Dir     string
	Alias   string
}

// fileErr is a contract error at a source position ("file:line").
func fileErr(pos string, format string, args ...any) error {
	return fmt.Errorf("%s: %s", pos, fmt.Sprintf(format, args...))
}
