package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// headLayout is a root layout that writes the head.
func headLayout() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, "<html><head>")
		if err := gox.HeadTags().Render(ctx, w); err != nil {
			return err
		}
		io.WriteString(w, "</head><body>")
		if err := templ.GetChildren(ctx).Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, "</body></html>")
		return err
	})
}

// TestHeadIsRenderedAndCached: a page's Head, merged with its layout's and
// resolved against GOX_ORIGIN, is in the cached HTML; hostile data stays
// text; a 404 has no canonical URL.
func TestHeadIsRenderedAndCached(t *testing.T) {
	t.Parallel()
	type product struct{ Name string }
	layouts := []func() templ.Component{headLayout}
	layoutHead := []page.Head{{Title: "Shop", TitleTemplate: "%s | Shop", Description: "All things"}}
	routes := page.Routes{
		Layouts: layouts, LayoutHeads: layoutHead,
		Pages: []page.Page{{
			Pattern: "/products/{id}", Revalidate: time.Hour, Query: []string{"variant"},
			Layouts: layouts, LayoutHeads: layoutHead,
			Render: page.PageWithLoad(func(c *gox.Ctx) (product, error) {
				if c.Param("id") == "0" {
					return product{}, gox.NotFound
				}
				return product{Name: "Mug " + c.Param("id") + ` </title><script>x</script>`}, nil
			}, func(p product) templ.Component { return templ.Raw("<h1>product</h1>") },
				func(p product) gox.Head { return gox.Head{Title: p.Name, JSONLD: map[string]string{"name": p.Name}} }),
		}, {
			Pattern: "/about", Layouts: layouts, LayoutHeads: layoutHead,
			Head:   gox.Head{Description: "About us", NoIndex: true},
			Render: page.PageWithoutLoad(func() templ.Component { return templ.Raw("<h1>about</h1>") }),
		}},
	}
	app, err := server.New(routes, server.Config{Store: openStore(t), Origin: "https://shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })

	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Gox-Cache"), string(b)
	}
	code, state, miss := get("/products/7?variant=blue&utm_source=x")
	wants := []string{
		`<title>Mug 7 &lt;/title&gt;&lt;script&gt;x&lt;/script&gt; | Shop</title>`,
		`<meta name="description" content="All things">`,
		`<link rel="canonical" href="https://shop.example/products/7?variant=blue">`,
		`<meta property="og:url" content="https://shop.example/products/7?variant=blue">`,
		`<script type="application/ld+json">{"name":"Mug 7 \u003c/title\u003e\u003cscript\u003ex\u003c/script\u003e"}</script>`,
	}
	if code != 200 || state != "MISS" {
		t.Fatalf("first GET: %d %s", code, state)
	}
	for _, w := range wants {
		if !strings.Contains(miss, w) {
			t.Errorf("page lacks %s:\n%s", w, miss)
		}
	}
	if strings.Count(miss, "<script") != 1 {
		t.Errorf("a hostile name made a script tag:\n%s", miss)
	}
	if _, state, hit := get("/products/7?variant=blue"); state != "HIT" || hit != miss {
		t.Errorf("second GET: %s, same bytes %v; want a HIT of the same page", state, hit == miss)
	}
	_, _, about := get("/about")
	for _, w := range []string{`<title>Shop</title>`, `<meta name="description" content="About us">`, `<meta name="robots" content="noindex">`, `href="https://shop.example/about"`} {
		if !strings.Contains(about, w) {
			t.Errorf("/about lacks %s:\n%s", w, about)
		}
	}
	for _, path := range []string{"/products/0", "/nowhere"} {
		code, _, body := get(path)
		if code != 404 || !strings.Contains(body, "<title>Shop</title>") || strings.Contains(body, "canonical") {
			t.Errorf("%s: %d, want 404 titled by the layout without a canonical URL:\n%s", path, code, body)
		}
	}
}
