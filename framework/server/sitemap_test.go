package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

const origin = "https://shop.example"

// rawPage renders s.
func rawPage(s string) page.RenderFunc {
	return page.PageWithoutLoad(func() templ.Component { return templ.Raw(s) })
}

// staticParams returns a StaticParams listing ids as the param id.
func staticParams(ids ...string) func(context.Context) ([]page.Params, error) {
	return func(context.Context) ([]page.Params, error) {
		list := make([]page.Params, len(ids))
		for i, id := range ids {
			list[i] = page.Params{"id": id}
		}
		return list, nil
	}
}

// appServer serves routes with cfg (on a new store unless cfg has one).
func appServer(t *testing.T, routes page.Routes, cfg server.Config) (*server.App, string) {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = openStore(t)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	app, err := server.New(routes, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	return app, srv.URL
}

// urlset is a sitemap or a sitemap index, as a crawler parses it.
type urlset struct {
	XMLName xml.Name
	URLs    []string `xml:"url>loc"`
	Maps    []string `xml:"sitemap>loc"`
}

func parseSitemap(t *testing.T, body string) urlset {
	t.Helper()
	var u urlset
	if err := xml.Unmarshal([]byte(body), &u); err != nil {
		t.Fatalf("sitemap does not parse: %v\n%.500s", err, body)
	}
	return u
}

// TestSitemap: /sitemap.xml lists the absolute URL of every cached page
// and every StaticParams path, escaped, in route order; not dynamic pages,
// not pages whose Head value (or a layout's) says NoIndex, not parameter
// pages without StaticParams. It is an ISR entry: MISS, then HIT, 304 and
// HEAD; and robots.txt names it.
func TestSitemap(t *testing.T) {
	t.Parallel()
	routes := page.Routes{
		Static: fstest.MapFS{"robots.txt": {Data: []byte("User-agent: *\nDisallow: /admin")}},
		Pages: []page.Page{
			{Pattern: "/", Render: rawPage("home")},
			{Pattern: "/about", Revalidate: time.Hour, Render: rawPage("about")},
			{Pattern: "/admin", Head: gox.Head{NoIndex: true}, Render: rawPage("admin")},
			{Pattern: "/cart", Revalidate: gox.Dynamic, Dynamic: true, Render: rawPage("cart")},
			{Pattern: "/docs/{path...}", Render: rawPage("doc"), StaticParams: func(context.Context) ([]page.Params, error) {
				return []page.Params{{"path": "a/b"}, {"path": "a//c/"}}, nil
			}},
			{Pattern: "/drafts/{id}", LayoutHeads: []page.Head{{Title: "Drafts", NoIndex: true}}, Render: rawPage("draft"), StaticParams: staticParams("1")},
			{Pattern: "/products/{id}", Render: rawPage("product"), StaticParams: staticParams("1", `a&b'c"d`, "<x>", "café", "x;y", "..")},
			{Pattern: "/search", Render: page.PageWithoutLoad(func() templ.Component { return templ.Raw("search") },
				func(gox.Params) gox.Head { return gox.Head{NoIndex: true} })},
			{Pattern: "/users/{id}", Render: rawPage("user")},
		},
	}
	app, url := appServer(t, routes, server.Config{Origin: origin})
	resp, body := send(t, app, http.MethodGet, url+"/sitemap.xml")
	const want = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://shop.example/</loc></url>
<url><loc>https://shop.example/about</loc></url>
<url><loc>https://shop.example/docs/a/b</loc></url>
<url><loc>https://shop.example/docs/a/c</loc></url>
<url><loc>https://shop.example/products/1</loc></url>
<url><loc>https://shop.example/products/a&amp;b%27c%22d</loc></url>
<url><loc>https://shop.example/products/%3Cx%3E</loc></url>
<url><loc>https://shop.example/products/caf%C3%A9</loc></url>
<url><loc>https://shop.example/search</loc></url>
</urlset>
`
	if resp.StatusCode != 200 || resp.Header.Get("X-Gox-Cache") != "MISS" || body != want {
		t.Fatalf("GET /sitemap.xml: %d %s\n%s\nwant 200 MISS\n%s", resp.StatusCode, resp.Header.Get("X-Gox-Cache"), body, want)
	}
	if u := parseSitemap(t, body); len(u.URLs) != 9 || u.URLs[5] != "https://shop.example/products/a&b%27c%22d" {
		t.Fatalf("parsed: %q", u.URLs)
	}
	for k, want := range map[string]string{
		"Content-Type":    "application/xml; charset=utf-8",
		"Cache-Control":   "public, max-age=0, s-maxage=3600, stale-while-revalidate=31536000",
		"X-Frame-Options": "SAMEORIGIN",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	resp, again := send(t, app, http.MethodGet, url+"/sitemap.xml?x=1")
	etag := resp.Header.Get("Etag")
	if resp.Header.Get("X-Gox-Cache") != "HIT" || again != body || etag == "" {
		t.Fatalf("second GET: %s etag %q; want the same sitemap, HIT", resp.Header.Get("X-Gox-Cache"), etag)
	}
	if resp, _ := send(t, app, http.MethodGet, url+"/sitemap.xml", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	if resp, b := send(t, app, http.MethodHead, url+"/sitemap.xml"); resp.StatusCode != 200 || b != "" || resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("HEAD: %d %s %q", resp.StatusCode, resp.Header.Get("X-Gox-Cache"), b)
	}
	// It fits in one file: there are no numbered sitemaps; other
	// spellings are not sitemaps at all.
	for _, path := range []string{"/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-0.xml", "/sitemap-01.xml", "/sitemap-x.xml", "/sitemap-99999999.xml", "/sitemap.xml/1"} {
		if resp, _ := send(t, app, http.MethodGet, url+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := send(t, app, http.MethodGet, url+"/sitemap.xml/"); resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "/sitemap.xml" {
		t.Errorf("GET /sitemap.xml/: %d %q; want the canonical path", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, robots := send(t, app, http.MethodGet, url+"/robots.txt")
	if want := "User-agent: *\nDisallow: /admin\n\nSitemap: https://shop.example/sitemap.xml\n"; robots != want || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("robots.txt: %s %q, want %q", resp.Header.Get("Content-Type"), robots, want)
	}
	if resp, b := send(t, app, http.MethodHead, url+"/robots.txt"); resp.StatusCode != 200 || b != "" || resp.ContentLength != int64(len(robots)) {
		t.Fatalf("HEAD robots.txt: %d %q length %d", resp.StatusCode, b, resp.ContentLength)
	}
}

// TestSitemapIndex: past 50,000 URLs /sitemap.xml is an index of
// numbered sitemaps, each an ISR entry of at most 50,000 URLs.
func TestSitemapIndex(t *testing.T) {
	t.Parallel()
	ids := make([]string, 60_000)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	routes := page.Routes{Pages: []page.Page{
		{Pattern: "/", Render: rawPage("home")},
		{Pattern: "/items/{id}", Render: rawPage("item"), StaticParams: staticParams(ids...)},
	}}
	app, url := appServer(t, routes, server.Config{Origin: origin})
	get := func(path, state string) string {
		t.Helper()
		resp, body := send(t, app, http.MethodGet, url+path)
		if resp.StatusCode != 200 || resp.Header.Get("X-Gox-Cache") != state {
			t.Fatalf("GET %s: %d %s, want 200 %s", path, resp.StatusCode, resp.Header.Get("X-Gox-Cache"), state)
		}
		return body
	}
	index := parseSitemap(t, get("/sitemap.xml", "MISS"))
	if index.XMLName.Local != "sitemapindex" || fmt.Sprint(index.Maps) != "[https://shop.example/sitemap-1.xml https://shop.example/sitemap-2.xml]" {
		t.Fatalf("index: %s %v", index.XMLName.Local, index.Maps)
	}
	// Counted rather than parsed: 50,000 URLs take encoding/xml a while
	// under the race detector.
	first, second := get("/sitemap-1.xml", "MISS"), get("/sitemap-2.xml", "MISS")
	if n1, n2 := strings.Count(first, "<url>"), strings.Count(second, "<url>"); n1 != 50_000 || n2 != 10_001 {
		t.Fatalf("parts of %d and %d URLs; want 50,000 and the other 10,001", n1, n2)
	}
	for _, part := range []string{first, second} {
		if !strings.HasPrefix(part, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<urlset ") || !strings.HasSuffix(part, "</url>\n</urlset>\n") {
			t.Fatalf("a part is not a whole sitemap: %.100s ... %s", part, part[len(part)-100:])
		}
	}
	for _, want := range []string{
		"\n<url><loc>https://shop.example/</loc></url>\n<url><loc>https://shop.example/items/0</loc></url>\n",
		"<url><loc>https://shop.example/items/49998</loc></url>\n</urlset>\n",
	} {
		if !strings.Contains(first, want) {
			t.Fatalf("sitemap-1.xml lacks %q", want)
		}
	}
	if !strings.Contains(second, "\n<url><loc>https://shop.example/items/49999</loc></url>\n") || !strings.HasSuffix(second, "/items/59999</loc></url>\n</urlset>\n") {
		t.Fatalf("sitemap-2.xml does not hold the URLs after the first 50,000")
	}
	if get("/sitemap-2.xml", "HIT") != second {
		t.Fatal("the HIT differs from the MISS")
	}
	if resp, _ := send(t, app, http.MethodGet, url+"/sitemap-3.xml"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /sitemap-3.xml: %d, want 404", resp.StatusCode)
	}
}

// TestSitemapRevalidate: revalidating the sitemap's tag serves the last
// sitemap stale and regenerates it, its numbered parts too, with the
// pages' StaticParams as they are now.
func TestSitemapRevalidate(t *testing.T) {
	t.Parallel()
	var ids atomic.Pointer[[]string]
	ids.Store(&[]string{"1", "2", "3"})
	// gate, when set, holds the sitemap's renders until it is closed.
	var gate atomic.Pointer[chan struct{}]
	routes := page.Routes{Pages: []page.Page{{Pattern: "/p/{id}", Render: rawPage("p"), StaticParams: func(ctx context.Context) ([]page.Params, error) {
		if g := gate.Load(); g != nil {
			<-*g
		}
		return staticParams(*ids.Load()...)(ctx)
	}}}}
	app, url := appServer(t, routes, server.Config{Origin: origin})
	server.SetSitemapLimits(app, 2, 50<<20)
	if index := parseSitemap(t, mustGet(t, app, url+"/sitemap.xml")); len(index.Maps) != 2 {
		t.Fatalf("index of %v; want two sitemaps of at most 2 URLs", index.Maps)
	}
	mustGet(t, app, url+"/sitemap-2.xml")
	if resp, _ := send(t, app, http.MethodGet, url+"/sitemap-2.xml"); resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("second GET: %s, want HIT", resp.Header.Get("X-Gox-Cache"))
	}
	ids.Store(&[]string{"1", "2", "3", "4", "5"})
	hold := make(chan struct{})
	gate.Store(&hold)
	inv, err := app.Revalidate(context.Background(), nil, []string{server.SitemapTag}, cache.Stale)
	if err != nil || inv.Entries != 2 {
		t.Fatalf("revalidate %s: %+v %v; want the index and its part", server.SitemapTag, inv, err)
	}
	if resp, body := send(t, app, http.MethodGet, url+"/sitemap.xml"); resp.Header.Get("X-Gox-Cache") != "STALE" || len(parseSitemap(t, body).Maps) != 2 {
		t.Fatalf("GET after revalidating: %s %s; want the last index, STALE", resp.Header.Get("X-Gox-Cache"), body)
	}
	gate.Store(nil)
	close(hold)
	deadline := time.Now().Add(10 * time.Second)
	for _, tt := range []struct {
		path string
		urls int
	}{{"/sitemap.xml", 3}, {"/sitemap-2.xml", 2}, {"/sitemap-3.xml", 1}} {
		for {
			resp, body := send(t, app, http.MethodGet, url+tt.path)
			if resp.StatusCode == 200 && resp.Header.Get("X-Gox-Cache") == "HIT" {
				if u := parseSitemap(t, body); len(u.URLs)+len(u.Maps) == tt.urls {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %d %s; never regenerated", tt.path, resp.StatusCode, resp.Header.Get("X-Gox-Cache"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func mustGet(t *testing.T, app *server.App, url string) string {
	t.Helper()
	resp, body := send(t, app, http.MethodGet, url)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return body
}

// TestSitemapBytes: a sitemap file also splits before it would pass the
// protocol's byte limit (lowered here).
func TestSitemapBytes(t *testing.T) {
	t.Parallel()
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = strings.Repeat("x", 100) + strconv.Itoa(i)
	}
	routes := page.Routes{Pages: []page.Page{{Pattern: "/p/{id}", Render: rawPage("p"), StaticParams: staticParams(ids...)}}}
	app, url := appServer(t, routes, server.Config{Origin: origin})
	server.SetSitemapLimits(app, 50_000, 1000)
	index := parseSitemap(t, mustGet(t, app, url+"/sitemap.xml"))
	if len(index.Maps) < 6 {
		t.Fatalf("index of %d sitemaps; want 40 URLs of 150 bytes in files of 1000 bytes", len(index.Maps))
	}
	total := 0
	for i := range index.Maps {
		body := mustGet(t, app, url+"/sitemap-"+strconv.Itoa(i+1)+".xml")
		if len(body) > 1000 {
			t.Errorf("sitemap-%d.xml: %d bytes", i+1, len(body))
		}
		total += len(parseSitemap(t, body).URLs)
	}
	if total != 40 {
		t.Fatalf("%d URLs in the parts, want 40", total)
	}
}

// TestSitemapBuild: the sitemap is fresh for an hour, and a new build
// serves the last one stale while it regenerates it.
func TestSitemapBuild(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	routes := page.Routes{Pages: []page.Page{{Pattern: "/", Render: rawPage("home")}}}
	app, url := appServer(t, routes, server.Config{Origin: origin, Store: store, BuildID: "a"})
	mustGet(t, app, url+"/sitemap.xml")
	l, err := store.Get(context.Background(), "/sitemap.xml")
	if err != nil || l.Entry.FreshUntil.Sub(l.Entry.GeneratedAt) != time.Hour || fmt.Sprint(l.Entry.Tags) != "["+server.SitemapTag+"]" {
		t.Fatalf("stored: %+v %v; want fresh for an hour, tagged %s", l.Entry, err, server.SitemapTag)
	}
	routes.Pages = append(routes.Pages, page.Page{Pattern: "/new", Render: rawPage("new")})
	next, nextURL := appServer(t, routes, server.Config{Origin: origin, Store: store, BuildID: "b"})
	if resp, body := send(t, next, http.MethodGet, nextURL+"/sitemap.xml"); resp.Header.Get("X-Gox-Cache") != "STALE" || strings.Contains(body, "/new") {
		t.Fatalf("new build's first GET: %s; want the last sitemap, STALE", resp.Header.Get("X-Gox-Cache"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(mustGet(t, next, nextURL+"/sitemap.xml"), origin+"/new") {
		if time.Now().After(deadline) {
			t.Fatal("the new build never regenerated the sitemap")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSitemapReplaced: an app's own static/sitemap.xml or route at
// /sitemap.xml replaces the generated one, and so does a route at
// /robots.txt; without an origin there is none, said once at start.
func TestSitemapReplaced(t *testing.T) {
	t.Parallel()
	home := page.Page{Pattern: "/", Render: rawPage("home")}
	static := fstest.MapFS{"sitemap.xml": {Data: []byte("<urlset>mine</urlset>")}, "robots.txt": {Data: []byte("User-agent: *\n")}}
	app, url := appServer(t, page.Routes{Pages: []page.Page{home}, Static: static}, server.Config{Origin: origin})
	if resp, body := send(t, app, http.MethodGet, url+"/sitemap.xml"); body != "<urlset>mine</urlset>" || resp.Header.Get("X-Gox-Cache") != "" {
		t.Errorf("static sitemap.xml: %s %q", resp.Header.Get("X-Gox-Cache"), body)
	}
	if _, body := send(t, app, http.MethodGet, url+"/robots.txt"); body != "User-agent: *\n" {
		t.Errorf("robots.txt beside a static sitemap: %q, want the file as is", body)
	}

	handler := func(s string) echo.HandlerFunc {
		return func(c echo.Context) error { return c.String(http.StatusOK, s) }
	}
	app, url = appServer(t, page.Routes{Pages: []page.Page{home}, Handlers: []page.Handler{
		{Pattern: "/sitemap.xml", Method: http.MethodGet, Func: handler("route sitemap")},
	}}, server.Config{Origin: origin})
	if _, body := send(t, app, http.MethodGet, url+"/sitemap.xml"); body != "route sitemap" {
		t.Errorf("route.go sitemap: %q", body)
	}
	app, url = appServer(t, page.Routes{Pages: []page.Page{home}, Handlers: []page.Handler{
		{Pattern: "/robots.txt", Method: http.MethodGet, Func: handler("route robots")},
	}}, server.Config{Origin: origin})
	if _, body := send(t, app, http.MethodGet, url+"/robots.txt"); body != "route robots" {
		t.Errorf("route.go robots.txt: %q", body)
	}
	if _, body := send(t, app, http.MethodGet, url+"/sitemap.xml"); !strings.Contains(body, "<loc>https://shop.example/</loc>") {
		t.Errorf("sitemap beside a route.go robots.txt: %q", body)
	}

	var logs bytes.Buffer
	app, url = appServer(t, page.Routes{Pages: []page.Page{home}}, server.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, path := range []string{"/sitemap.xml", "/sitemap.xml", "/sitemap-1.xml", "/robots.txt"} {
		if resp, _ := send(t, app, http.MethodGet, url+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("without an origin, GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if n := strings.Count(logs.String(), "no /sitemap.xml"); n != 1 || !strings.Contains(logs.String(), "GOX_ORIGIN") {
		t.Errorf("without an origin, %d log lines about it, want one naming GOX_ORIGIN:\n%s", n, logs.String())
	}
	app, url = appServer(t, page.Routes{Pages: []page.Page{home}}, server.Config{Origin: origin})
	if _, body := send(t, app, http.MethodGet, url+"/robots.txt"); body != "User-agent: *\nAllow: /\n\nSitemap: https://shop.example/sitemap.xml\n" {
		t.Errorf("robots.txt of an app without one: %q", body)
	}
	own := "User-agent: *\n  sitemap : https://cdn.example/s.xml\n"
	app, url = appServer(t, page.Routes{Pages: []page.Page{home}, Static: fstest.MapFS{"robots.txt": {Data: []byte(own)}}}, server.Config{Origin: origin})
	if _, body := send(t, app, http.MethodGet, url+"/robots.txt"); body != own {
		t.Errorf("robots.txt with a Sitemap line of its own: %q, want it as is", body)
	}
}

// TestSitemapDev: in development the sitemap shows the pages as they are
// now, with no revalidation.
func TestSitemapDev(t *testing.T) {
	t.Parallel()
	var ids atomic.Pointer[[]string]
	ids.Store(&[]string{"1"})
	routes := page.Routes{Pages: []page.Page{{Pattern: "/p/{id}", Render: rawPage("p"), StaticParams: func(ctx context.Context) ([]page.Params, error) {
		return staticParams(*ids.Load()...)(ctx)
	}}}}
	static := t.TempDir()
	app, url := appServer(t, routes, server.Config{Origin: origin, Dev: true, StaticDir: static})
	mustGet(t, app, url+"/sitemap.xml")
	ids.Store(&[]string{"1", "2"})
	if body := mustGet(t, app, url+"/sitemap.xml"); !strings.Contains(body, "/p/2") {
		t.Fatalf("dev sitemap after a new param: %s", body)
	}
	// robots.txt is read from static/ on disk at each request, as the
	// other static files are in development.
	const line = "\nSitemap: https://shop.example/sitemap.xml\n"
	if body := mustGet(t, app, url+"/robots.txt"); body != "User-agent: *\nAllow: /\n"+line {
		t.Fatalf("dev robots.txt without a file: %q", body)
	}
	if err := os.WriteFile(filepath.Join(static, "robots.txt"), []byte("User-agent: *\nDisallow: /tmp/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if body := mustGet(t, app, url+"/robots.txt"); body != "User-agent: *\nDisallow: /tmp/\n"+line {
		t.Fatalf("dev robots.txt after writing the file: %q", body)
	}
}

// TestSitemapMissingParts: numbered sitemaps past the ones the index
// lists, or any when the sitemap fits in one file, are the app's
// not-found page, found so without walking the StaticParams again: once
// the count of files is known, by the index's render or its stored body,
// a request for a part that does not exist costs no walk.
func TestSitemapMissingParts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		ids   []string
		parts int
	}{
		{"index", []string{"1", "2", "3", "4", "5"}, 3},
		{"one file", []string{"1"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var walks atomic.Int64
			routes := page.Routes{Pages: []page.Page{{Pattern: "/p/{id}", Render: rawPage("p"), StaticParams: func(ctx context.Context) ([]page.Params, error) {
				walks.Add(1)
				return staticParams(tt.ids...)(ctx)
			}}}}
			store := openStore(t)
			cfg := server.Config{Origin: origin, Store: store, BuildID: "a"}
			app, url := appServer(t, routes, cfg)
			server.SetSitemapLimits(app, 2, 50<<20)
			before := walks.Load()
			for n := 1; n <= 200; n++ {
				path := "/sitemap-" + strconv.Itoa(n) + ".xml"
				resp, body := send(t, app, http.MethodGet, url+path)
				if n <= tt.parts {
					if resp.StatusCode != 200 || len(parseSitemap(t, body).URLs) == 0 {
						t.Fatalf("GET %s: %d, want a sitemap", path, resp.StatusCode)
					}
					continue
				}
				if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("GET %s: %d %s, want the not-found page", path, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			// One walk counts the files (the index's render), one per part
			// that exists renders it.
			if got, want := walks.Load()-before, int64(1+tt.parts); got != want {
				t.Fatalf("%d StaticParams walks for 200 numbered sitemaps, want %d", got, want)
			}
			// A new process of the same build reads the count from the
			// stored index: still no walk.
			next, nextURL := appServer(t, routes, cfg)
			server.SetSitemapLimits(next, 2, 50<<20)
			before = walks.Load()
			for n := tt.parts + 1; n <= tt.parts+50; n++ {
				if resp, _ := send(t, next, http.MethodGet, nextURL+"/sitemap-"+strconv.Itoa(n)+".xml"); resp.StatusCode != http.StatusNotFound {
					t.Fatalf("new process, GET /sitemap-%d.xml: %d, want 404", n, resp.StatusCode)
				}
			}
			if got := walks.Load() - before; got != 0 {
				t.Fatalf("new process: %d StaticParams walks for parts that do not exist, want 0", got)
			}
		})
	}
}
