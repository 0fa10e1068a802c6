package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestLayoutDataAndTags: a layout's Load renders inside every page with the
// page's params, its tags go to every page inside it, and revalidating one
// makes them all stale (served at once, old) and regenerates them with the
// new layout data.
func TestLayoutDataAndTags(t *testing.T) {
	t.Parallel()
	var navVersion atomic.Int64
	// gate, when set, holds the layout's renders until it is closed, so
	// the stale pages are seen before their regeneration lands.
	var gate atomic.Pointer[chan struct{}]
	type nav struct {
		Version int64
		Param   string
		Header  string
	}
	layout := page.LayoutWithLoad(func(c *gox.Ctx) (nav, error) {
		c.Tag("nav-loaded")
		if g := gate.Load(); g != nil {
			<-*g
		}
		return nav{Version: navVersion.Load(), Param: c.Param("id"), Header: c.Request().Header.Get("Cookie")}, nil
	}, func(n nav) templ.Component {
		return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			fmt.Fprintf(w, "<nav>v%d id=%s cookie=%q</nav>", n.Version, n.Param, n.Header)
			return templ.GetChildren(ctx).Render(ctx, w)
		})
	})
	layouts := []func() templ.Component{layout}
	layoutTags := []func(page.Params) []string{page.StaticTags("nav")}
	body := func(s string) page.RenderFunc {
		return page.PageWithoutLoad(func() templ.Component { return templ.Raw(s) })
	}
	routes := page.Routes{Pages: []page.Page{
		{Pattern: "/", Revalidate: time.Hour, Layouts: layouts, LayoutTags: layoutTags, Render: body("home")},
		{Pattern: "/items/{id}", Revalidate: time.Hour, Layouts: layouts, LayoutTags: layoutTags, Render: body("item")},
	}}
	app, err := server.New(routes, server.Config{Store: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	get := func(path string) (string, string) {
		t.Helper()
		req := httptest.NewRequest("GET", srv.URL+path, nil)
		req.RequestURI = ""
		req.Header.Set("Cookie", "session=secret")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Gox-Cache"), string(b)
	}
	if state, b := get("/items/7"); state != "MISS" || !strings.Contains(b, `<nav>v0 id=7 cookie=""</nav>item`) {
		t.Fatalf("first GET: %s %q; want the layout's data with the page's params and no cookie", state, b)
	}
	get("/")
	navVersion.Store(1)
	hold := make(chan struct{})
	gate.Store(&hold)
	inv, err := app.Revalidate(context.Background(), nil, []string{"nav"}, cache.Stale)
	if err != nil || inv.Entries != 2 {
		t.Fatalf("revalidate nav: %+v %v; want both pages", inv, err)
	}
	for _, path := range []string{"/", "/items/7"} {
		if state, b := get(path); state != "STALE" || !strings.Contains(b, "<nav>v0 ") {
			t.Fatalf("GET %s after revalidating nav: %s %q; want the old page, STALE", path, state, b)
		}
	}
	gate.Store(nil)
	close(hold)
	inv, err = app.Revalidate(context.Background(), nil, []string{"nav-loaded"}, cache.Stale)
	if err != nil || inv.Entries != 2 {
		t.Fatalf("revalidate nav-loaded (added by the layout's Load): %+v %v; want both pages", inv, err)
	}
	for _, path := range []string{"/", "/items/7"} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			state, b := get(path)
			if state == "HIT" && strings.Contains(b, "<nav>v1 ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never served the new navigation: %s %q", path, state, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
