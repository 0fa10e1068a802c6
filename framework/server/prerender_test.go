package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/wire"
)

// prerenderApp is the test app with /fail failing and a route whose
// StaticParams fail.
func prerenderApp(t *testing.T) (*server.App, cache.Store) {
	t.Helper()
	st := openStore(t)
	fix := testapp.New()
	fix.SetFail(errors.New("upstream: 503"))
	routes := fix.Routes()
	routes.Pages = append(routes.Pages, page.Page{
		Pattern: "/broken/{id}",
		Render:  func(*page.Ctx) (templ.Component, error) { return testapp.TextPage("never"), nil },
		StaticParams: func(context.Context) ([]page.Params, error) {
			return nil, errors.New("catalog is down")
		},
	})
	app, err := server.New(routes, server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app, st
}

// TestPrerenderStopsAtFirstFailure: without keep-going the first failure
// ends the run, named by its path, and is reported to progress too.
func TestPrerenderStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	app, _ := prerenderApp(t)
	var reported []wire.Prerendered
	_, err := app.Prerender(context.Background(), 1, func(p wire.Prerendered) { reported = append(reported, p) })
	if err == nil {
		t.Fatal("Prerender succeeded with failing pages")
	}
	i := slices.IndexFunc(reported, func(p wire.Prerendered) bool { return p.Error != "" })
	if i < 0 {
		t.Fatalf("no failure reported to progress: %+v", reported)
	}
	if f := reported[i]; !strings.Contains(err.Error(), f.Error) || (f.Path != "/fail" && f.Route != "/broken/{id}") {
		t.Errorf("error %q, reported %+v", err, f)
	}
}

// TestPrerenderKeepGoing: every page that renders is stored, and each
// failure is reported once, with the page's own error.
func TestPrerenderKeepGoing(t *testing.T) {
	t.Parallel()
	app, st := prerenderApp(t)
	var reported []wire.Prerendered
	out, err := app.PrerenderKeepGoing(context.Background(), 2, func(p wire.Prerendered) { reported = append(reported, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(reported) {
		t.Errorf("returned %d lines, reported %d", len(out), len(reported))
	}
	failures := map[string]string{}
	rendered := 0
	for _, p := range out {
		switch {
		case p.Error != "":
			failures[p.Route+" "+p.Path] = p.Error
		case p.Status == 200:
			rendered++
		}
	}
	want := map[string]string{
		"/fail /fail":         "upstream: 503",
		"/broken/{id} ":       "static params /broken/{id}: catalog is down",
		"/redirect /redirect": "redirect", // a redirect is not a page to store
	}
	if len(failures) != len(want) {
		t.Errorf("failures %v, want %v", failures, want)
	}
	for k, v := range want {
		if failures[k] != v {
			t.Errorf("failure of %q = %q, want %q", k, failures[k], v)
		}
	}
	if rendered < 5 {
		t.Errorf("rendered %d pages beside the failures, want the rest of the app: %+v", rendered, out)
	}
	for _, path := range []string{"/", "/only/a", "/big"} {
		if _, err := st.Get(context.Background(), path); err != nil {
			t.Errorf("%s not in the cache after keep-going: %v", path, err)
		}
	}
}

// TestPrerenderBoundsErrors: however long a page's error, its prerender
// line fits what the gox command reads, and still says what went wrong.
func TestPrerenderBoundsErrors(t *testing.T) {
	t.Parallel()
	huge := "upstream said: " + strings.Repeat("é\x01", 1<<20)
	routes := page.Routes{Pages: []page.Page{{
		Pattern: "/",
		Render:  func(*page.Ctx) (templ.Component, error) { return nil, errors.New(huge) },
	}}}
	app, err := server.New(routes, server.Config{Store: openStore(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	out, err := app.PrerenderKeepGoing(context.Background(), 1, func(wire.Prerendered) {})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(out, func(p wire.Prerendered) bool { return p.Path == "/" })
	if i < 0 {
		t.Fatalf("no line for /: %+v", out)
	}
	line, err := json.Marshal(out[i])
	if err != nil {
		t.Fatal(err)
	}
	if e := out[i].Error; len(e) > wire.MaxPrerenderError || !strings.HasPrefix(e, "upstream said: é") || !utf8.ValidString(e) {
		t.Errorf("error of %d bytes starting %.40q, want at most %d, valid UTF-8, the start kept", len(e), e, wire.MaxPrerenderError)
	}
	if len(line) >= wire.MaxPrerenderLine {
		t.Errorf("prerender line of %d bytes, want under %d", len(line), wire.MaxPrerenderLine)
	}
}

// TestPrerenderSkipsShadowedPaths: a StaticParams path that another route
// serves is not rendered by this one: the page at that path keeps its own
// render.
func TestPrerenderSkipsShadowedPaths(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	routes := page.Routes{Pages: []page.Page{
		{Pattern: "/products/new", Render: func(*page.Ctx) (templ.Component, error) { return testapp.TextPage("the new-product form"), nil }},
		{
			Pattern: "/products/{id}",
			Render: func(c *page.Ctx) (templ.Component, error) {
				return testapp.TextPage("product " + c.Params().Get("id")), nil
			},
			StaticParams: func(context.Context) ([]page.Params, error) {
				return []page.Params{{"id": "1"}, {"id": "new"}}, nil
			},
		},
	}}
	app, err := server.New(routes, server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	out, err := app.Prerender(context.Background(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range out {
		got = append(got, p.Route+" "+p.Path)
	}
	slices.Sort(got)
	want := []string{"/_gox/not-found /_gox/not-found", "/products/new /products/new", "/products/{id} /products/1"}
	if !slices.Equal(got, want) {
		t.Errorf("rendered %q, want %q", got, want)
	}
	l, err := st.Get(context.Background(), "/products/new")
	if err != nil || !strings.Contains(string(l.Entry.Body), "the new-product form") {
		t.Fatalf("/products/new stored %q, %v; want the page's own render", l.Entry.Body, err)
	}
}
