package page

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
)

// LayoutWithLoad adapts a layout's Load function and the Layout component
// that takes its result (templ Layout(n Nav)) into a layout of Page.Layouts.
// Load runs in the page's render, with the page's Ctx: it sees what the
// page's Load sees (for a cached page, its params and nothing of the
// request), and the tags it adds with Ctx.Tag are stored with the page.
func LayoutWithLoad[T any](load func(*Ctx) (T, error), layout func(T) templ.Component) func() templ.Component {
	site := siteOf(load)
	return func() templ.Component {
		return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			c := FromContext(ctx)
			if c == nil {
				// An error page rendered outside a page render: no params.
				c = NewCtx(ctx, Params{}, url.Values{}, (&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}}).WithContext(ctx))
				ctx = c
			}
			v, err := load(c)
			if err != nil {
				return fmt.Errorf("layout load: %w", site.loadError(err))
			}
			return layout(v).Render(ctx, w)
		})
	}
}
