package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// handlerServer serves handlers (and a page at /) from a new app.
func handlerServer(t *testing.T, cfg server.Config, handlers ...page.Handler) (*server.App, string) {
	t.Helper()
	cfg.Store = openStore(t)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	routes := page.Routes{Handlers: handlers}
	app, err := server.New(routes, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	return app, srv.URL
}

// send sends method path with header lines ("Name: value") and returns
// the response with its body read; redirects are not followed.
func send(t *testing.T, app *server.App, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for _, hl := range header {
		k, v, _ := strings.Cut(hl, ": ")
		if k == "Host" {
			req.Host = v // the client ignores a Host header
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	app.WaitWrites()
	return resp, string(b)
}

// TestCachedHandler: a route.go GET with Revalidate and Tags is cached by
// the ISR engine like a page: MISS, HIT, 304, HEAD from the GET entry,
// STALE after its tag is revalidated, then the new response; the render
// sees the key alone (params, the allowlisted query), never the request.
func TestCachedHandler(t *testing.T) {
	t.Parallel()
	var version, renders atomic.Int64
	var gate atomic.Pointer[chan struct{}]
	products := func(c echo.Context) error {
		renders.Add(1)
		if g := gate.Load(); g != nil {
			<-*g
		}
		return c.JSON(http.StatusOK, map[string]any{
			"version": version.Load(), "category": c.Param("cat"), "page": c.QueryParam("page"),
			"sort": c.QueryParam("sort"), "cookie": c.Request().Header.Get("Cookie"), "host": c.Request().Host,
		})
	}
	app, url := handlerServer(t, server.Config{Origin: "https://shop.example"}, page.Handler{
		Pattern: "/api/products/{cat}", Method: http.MethodGet, Func: products,
		Cached: true, Revalidate: time.Hour, Tags: func(p page.Params) []string { return []string{"product-list", "cat-" + p.Get("cat")} },
		Query: []string{"page"},
	})
	get := func(path string, header ...string) (*http.Response, map[string]any) {
		t.Helper()
		resp, body := send(t, app, http.MethodGet, url+path, header...)
		var v map[string]any
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("GET %s: %v in %q", path, err, body)
			}
		}
		return resp, v
	}
	path := "/api/products/mugs?page=2"
	resp, v := get(path+"&sort=price", "Cookie: session=secret", "Host: evil.example")
	if resp.StatusCode != 200 || resp.Header.Get("X-Gox-Cache") != "MISS" {
		t.Fatalf("first GET: %d %s; want 200 MISS", resp.StatusCode, resp.Header.Get("X-Gox-Cache"))
	}
	want := map[string]any{"version": 0.0, "category": "mugs", "page": "2", "sort": "", "cookie": "", "host": "shop.example"}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Fatalf("the render saw %v; want %v (the key alone: params, allowlisted query, the site's host)", v, want)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN",
		"Cache-Control": "public, max-age=0, s-maxage=3600, stale-while-revalidate=31536000",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	resp, _ = get(path)
	etag := resp.Header.Get("Etag")
	if resp.Header.Get("X-Gox-Cache") != "HIT" || etag == "" || renders.Load() != 1 {
		t.Fatalf("second GET: %s etag %q after %d renders; want a HIT with an ETag after one render", resp.Header.Get("X-Gox-Cache"), etag, renders.Load())
	}
	resp, body := send(t, app, http.MethodGet, url+path, "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("If-None-Match: %d %q; want 304", resp.StatusCode, body)
	}
	resp, body = send(t, app, http.MethodHead, url+path)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("X-Gox-Cache") != "HIT" || resp.Header.Get("Etag") != etag || resp.ContentLength <= 0 {
		t.Fatalf("HEAD: %d %s etag %q length %d body %q; want the GET entry's headers, no body",
			resp.StatusCode, resp.Header.Get("X-Gox-Cache"), resp.Header.Get("Etag"), resp.ContentLength, body)
	}
	resp, body = send(t, app, http.MethodHead, url+"/api/products/cups")
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("X-Gox-Cache") != "MISS" {
		t.Fatalf("HEAD of an uncached key: %d %s %q; want a MISS rendered from GET", resp.StatusCode, resp.Header.Get("X-Gox-Cache"), body)
	}
	if resp, _ = get("/api/products/cups"); resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("GET after HEAD: %s; want the HIT HEAD stored", resp.Header.Get("X-Gox-Cache"))
	}

	version.Store(1)
	hold := make(chan struct{})
	gate.Store(&hold)
	inv, err := app.Revalidate(context.Background(), nil, []string{"cat-mugs"}, cache.Stale)
	if err != nil || inv.Entries != 1 {
		t.Fatalf("revalidate cat-mugs: %+v %v; want one entry", inv, err)
	}
	if resp, v = get(path); resp.Header.Get("X-Gox-Cache") != "STALE" || v["version"] != 0.0 {
		t.Fatalf("GET after revalidating its tag: %s %v; want the old response, STALE", resp.Header.Get("X-Gox-Cache"), v)
	}
	gate.Store(nil)
	close(hold)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, v = get(path)
		if resp.Header.Get("X-Gox-Cache") == "HIT" && v["version"] == 1.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never served the regenerated response: %s %v", resp.Header.Get("X-Gox-Cache"), v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp, _ = get(path); resp.Header.Get("Etag") == etag {
		t.Fatal("the regenerated response kept the old ETag")
	}

	version.Store(2)
	inv, err = app.Revalidate(context.Background(), nil, []string{"product-list"}, cache.Expire)
	if err != nil || inv.Entries != 2 {
		t.Fatalf("expire product-list: %+v %v; want both keys", inv, err)
	}
	// The eager regeneration may have landed already (HIT); either way
	// the old response is never served again.
	if resp, v = get("/api/products/cups"); v["version"] != 2.0 || (resp.Header.Get("X-Gox-Cache") != "EXPIRED" && resp.Header.Get("X-Gox-Cache") != "HIT") {
		t.Fatalf("GET after expiring its tag: %s %v; want a fresh render", resp.Header.Get("X-Gox-Cache"), v)
	}
}

// TestCachedHandlerStores: what a cached handler's render stores and what
// it does not: a 404 is cached, a redirect or a 400 goes to the request
// that rendered it and is not stored, a cookie or a panic is a 500, never
// an empty reply; a path spelled otherwise redirects to the canonical one.
func TestCachedHandlerStores(t *testing.T) {
	t.Parallel()
	var renders atomic.Int64
	handler := func(c echo.Context) error {
		renders.Add(1)
		switch c.Param("id") {
		case "missing":
			return echo.ErrNotFound
		case "unknown":
			return gox.NotFound
		case "gone":
			return c.Redirect(http.StatusFound, "/api/items/new")
		case "bad":
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "bad id"})
		case "cookie":
			c.SetCookie(&http.Cookie{Name: "s", Value: "v"})
			return c.String(http.StatusOK, "with a cookie")
		case "panic":
			panic("boom")
		case "empty":
			return c.NoContent(http.StatusOK)
		case "frame":
			c.Response().Header().Set("X-Frame-Options", "DENY")
		}
		return c.String(http.StatusOK, "item "+c.Param("id"))
	}
	app, url := handlerServer(t, server.Config{}, page.Handler{
		Pattern: "/api/items/{id}", Method: http.MethodGet, Func: handler, Cached: true, Tags: page.StaticTags("items"),
	})
	tests := []struct {
		path        string
		status      int
		state       string
		body        string
		second      string // X-Gox-Cache of the second request
		header, val string
	}{
		{"/api/items/missing", 404, "MISS", "", "HIT", "Cache-Control", "public, max-age=0, s-maxage=60"},
		{"/api/items/unknown", 404, "MISS", "", "HIT", "Content-Type", "text/html; charset=utf-8"},
		{"/api/items/gone", 302, "UNCACHED", "", "UNCACHED", "Location", "/api/items/new"},
		{"/api/items/bad", 400, "UNCACHED", `{"error":"bad id"}`, "UNCACHED", "Cache-Control", "private, no-store"},
		{"/api/items/cookie", 500, "ERROR", "", "ERROR", "Set-Cookie", ""},
		{"/api/items/panic", 500, "ERROR", "", "ERROR", "X-Content-Type-Options", "nosniff"},
		{"/api/items/empty", 200, "UNCACHED", "", "UNCACHED", "Content-Length", "0"},
		{"/api/items/frame", 200, "MISS", "item frame", "HIT", "X-Frame-Options", "DENY"},
		{"/api/items/caf%C3%A9", 200, "MISS", "item café", "HIT", "Content-Type", "text/plain; charset=UTF-8"},
	}
	for _, tt := range tests {
		for i, state := range []string{tt.state, tt.second} {
			resp, body := send(t, app, http.MethodGet, url+tt.path)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Gox-Cache") != state || (tt.body != "" && strings.TrimSpace(body) != tt.body) {
				t.Errorf("GET %s (%d): %d %s %q; want %d %s %q", tt.path, i+1, resp.StatusCode, resp.Header.Get("X-Gox-Cache"), body, tt.status, state, tt.body)
			}
			if resp.StatusCode >= 500 && body == "" {
				t.Errorf("GET %s: an empty %d", tt.path, resp.StatusCode)
			}
			if got := resp.Header.Get(tt.header); got != tt.val {
				t.Errorf("GET %s (%d): %s %q, want %q", tt.path, i+1, tt.header, got, tt.val)
			}
		}
	}
	for _, tt := range []struct{ path, location string }{
		{"/api/items/1/", "/api/items/1"},
		{"/api/items/%31", "/api/items/1"},
	} {
		resp, _ := send(t, app, http.MethodGet, url+tt.path)
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != tt.location {
			t.Errorf("GET %s: %d to %q; want 308 to %s", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.location)
		}
	}
	for _, path := range []string{"/api/items/a%2Fb", "/api/items/..%2F..%2Fx", "/api/items/" + strings.Repeat("x", 3000)} {
		if resp, _ := send(t, app, http.MethodGet, url+path); resp.StatusCode < 400 || resp.StatusCode == 500 || resp.Header.Get("X-Gox-Cache") == "MISS" {
			t.Errorf("GET %.60s: %d %s; want a 4xx, nothing rendered", path, resp.StatusCode, resp.Header.Get("X-Gox-Cache"))
		}
	}
}

// TestPlainHandler: a route.go handler that is not cached answers HEAD
// from its GET (not the not-found page) and gets the security headers
// pages get, which it may change.
func TestPlainHandler(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var logs syncBuffer
	app, url := handlerServer(t, server.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		page.Handler{Pattern: "/api/missing", Method: http.MethodGet, Func: func(c echo.Context) error { return gox.NotFound }},
		page.Handler{Pattern: "/api/broken", Method: http.MethodGet, Func: func(c echo.Context) error { return errors.New("db down") }},
		page.Handler{Pattern: "/api/ping", Method: http.MethodGet, Func: func(c echo.Context) error {
			calls.Add(1)
			return c.String(http.StatusOK, "pong")
		}},
		page.Handler{Pattern: "/api/embed", Method: http.MethodGet, Func: func(c echo.Context) error {
			c.Response().Header().Del("X-Frame-Options")
			return c.String(http.StatusOK, "frame me")
		}},
		page.Handler{Pattern: "/api/ping", Method: http.MethodPost, Func: func(c echo.Context) error {
			return c.String(http.StatusCreated, "posted")
		}},
	)
	resp, body := send(t, app, http.MethodHead, url+"/api/ping")
	if resp.StatusCode != 200 || body != "" || calls.Load() != 1 || resp.Header.Get("X-Gox-Cache") != "" {
		t.Fatalf("HEAD /api/ping: %d %q %s after %d calls; want the GET's 200 without a body", resp.StatusCode, body, resp.Header.Get("X-Gox-Cache"), calls.Load())
	}
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/ping", "pong"}, {http.MethodPost, "/api/ping", "posted"}, {http.MethodHead, "/api/ping", ""},
	} {
		resp, body := send(t, app, tt.method, url+tt.path)
		if body != tt.body {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.path, body, tt.body)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "strict-origin-when-cross-origin"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s %s: %s %q, want %q", tt.method, tt.path, k, got, want)
			}
		}
	}
	resp, _ = send(t, app, http.MethodGet, url+"/api/embed")
	if _, ok := resp.Header["X-Frame-Options"]; ok || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("a handler that removes X-Frame-Options: %v", resp.Header)
	}
	// An error with a 4xx is an answer; only a failure is logged.
	if resp, _ := send(t, app, http.MethodGet, url+"/api/missing"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("gox.NotFound from a handler: %d", resp.StatusCode)
	}
	if resp, body := send(t, app, http.MethodGet, url+"/api/broken"); resp.StatusCode != http.StatusInternalServerError || body == "" {
		t.Fatalf("an error from a handler: %d %q", resp.StatusCode, body)
	}
	if got := logs.String(); strings.Count(got, "handler failed") != 1 || !strings.Contains(got, "db down") {
		t.Fatalf("logs: want one line, for the failure:\n%s", got)
	}
}

// TestCachedHandlerContract: a cached handler must be a GET.
func TestCachedHandlerContract(t *testing.T) {
	t.Parallel()
	_, err := server.New(page.Routes{Handlers: []page.Handler{{
		Pattern: "/api/x", Method: http.MethodPost, Func: func(echo.Context) error { return nil }, Cached: true,
	}}}, server.Config{Store: openStore(t)})
	if err == nil || !strings.Contains(err.Error(), "only GET responses are cached") {
		t.Fatalf("New with a cached POST: %v", err)
	}
}

// TestCachedHandlerHeaders: a cached handler whose headers change while
// its body does not serves the new headers once it regenerates, in its
// build and in the next one, with the body's ETag unchanged.
func TestCachedHandlerHeaders(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("id,name\n1,mug\n", 100) // compressed, too
	var version atomic.Int64
	export := func(c echo.Context) error {
		v := strconv.FormatInt(version.Load(), 10)
		c.Response().Header().Set("Content-Disposition", `attachment; filename="export-`+v+`.csv"`)
		c.Response().Header().Set("Access-Control-Allow-Origin", "https://app"+v+".example")
		return c.Blob(http.StatusOK, "text/csv; v="+v, []byte(body))
	}
	routes := page.Routes{Handlers: []page.Handler{{
		Pattern: "/api/export", Method: http.MethodGet, Func: export, Cached: true, Tags: page.StaticTags("export"),
	}}}
	store := openStore(t)
	app, url := appServer(t, routes, server.Config{Store: store, BuildID: "a"})
	check := func(app *server.App, url string, v int64) bool {
		t.Helper()
		resp, got := send(t, app, http.MethodGet, url+"/api/export", "Accept-Encoding: gzip")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /api/export: %d", resp.StatusCode)
		}
		n := strconv.FormatInt(v, 10)
		return got != "" && resp.Header.Get("Content-Type") == "text/csv; v="+n &&
			resp.Header.Get("Content-Disposition") == `attachment; filename="export-`+n+`.csv"` &&
			resp.Header.Get("Access-Control-Allow-Origin") == "https://app"+n+".example"
	}
	waitFor := func(app *server.App, url string, v int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !check(app, url, v) {
			if time.Now().After(deadline) {
				resp, _ := send(t, app, http.MethodGet, url+"/api/export")
				t.Fatalf("never served the headers of version %d: %s %v", v, resp.Header.Get("X-Gox-Cache"), resp.Header)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(app, url, 0)
	resp, _ := send(t, app, http.MethodGet, url+"/api/export")
	etag := resp.Header.Get("Etag")

	version.Store(1)
	if _, err := app.Revalidate(context.Background(), nil, []string{"export"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	waitFor(app, url, 1)
	if resp, _ := send(t, app, http.MethodGet, url+"/api/export"); resp.Header.Get("Etag") != etag || resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("after regenerating: %s etag %q; want a HIT with the same body's ETag %q", resp.Header.Get("X-Gox-Cache"), resp.Header.Get("Etag"), etag)
	}
	// A new process of the same build reads the new headers from the store.
	again, againURL := appServer(t, routes, server.Config{Store: store, BuildID: "a"})
	if !check(again, againURL, 1) {
		t.Fatal("the store kept the old headers")
	}

	version.Store(2)
	next, nextURL := appServer(t, routes, server.Config{Store: store, BuildID: "b"})
	waitFor(next, nextURL, 2)
}

// TestCachedHandlerReadYourWrites: the browser whose action revalidated a
// cached handler's tag gets a fresh response at once (RYW), which then
// serves everyone.
func TestCachedHandlerReadYourWrites(t *testing.T) {
	t.Parallel()
	var renders atomic.Int64
	cfg := server.Config{}
	cfg.Engine.EagerBudget = -1 // nothing regenerates until requested
	h := newHarnessWith(t, cfg, nil, page.Handler{
		Pattern: "/api/stock/{id}", Method: http.MethodGet, Cached: true, Tags: func(p page.Params) []string { return []string{"product-" + p.Get("id")} },
		Func: func(c echo.Context) error { return c.String(http.StatusOK, fmt.Sprint("render ", renders.Add(1))) },
	})
	h.get(t, "/api/stock/1")
	jar, _ := cookiejar.New(nil)
	buyer := noRedirects(jar)
	if resp, _ := h.post(t, buyer, "/products/1?/buy", h.url, "", "quantity=1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("buy: %d", resp.StatusCode)
	}
	resp, err := buyer.Get(h.url + "/api/stock/1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("X-Gox-Cache") != "RYW" || string(b) != "render 2" {
		t.Fatalf("the buyer's GET: %s %q; want a fresh render, RYW", resp.Header.Get("X-Gox-Cache"), b)
	}
	if resp, body := h.get(t, "/api/stock/1"); resp.Header.Get("X-Gox-Cache") != "HIT" || body != "render 2" {
		t.Fatalf("another visitor's GET: %s %q; want the buyer's render, HIT", resp.Header.Get("X-Gox-Cache"), body)
	}
}
