// Package render turns a templ component and its layouts into the bytes
// gox caches.
//
// Layouts are templ components that place their children with
// { children... }; they nest outermost first, as folders do under routes/.
//
// Example:
//
//	html, err := render.Page(ctx, product.Page(p), []func() templ.Component{routes.Layout})
package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/a-h/templ"
)

// Layout is a templ layout component constructor: templ Layout() { ... }.
type Layout = func() templ.Component

// Wrap returns page wrapped in layouts, outermost first.
func Wrap(page templ.Component, layouts []Layout) templ.Component {
	c := page
	for i := len(layouts) - 1; i >= 0; i-- {
		inner, layout := c, layouts[i]
		c = templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			return layout().Render(templ.WithChildren(ctx, inner), w)
		})
	}
	return c
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Page renders page inside layouts and returns the complete HTML. The
// result is its own slice: callers may keep it.
func Page(ctx context.Context, page templ.Component, layouts []Layout) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := Wrap(page, layouts).Render(ctx, buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return bytes.Clone(buf.Bytes()), nil
}
