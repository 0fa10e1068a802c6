package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

type harness struct {
	url   string
	app   *server.App
	store cache.Store
	fix   *testapp.Fixture
}

func newHarness(t *testing.T, cfg server.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, nil)
}

// newHarnessWith is newHarness with the store wrapped by wrap (when not
// nil) and extra plain handlers.
func newHarnessWith(t *testing.T, cfg server.Config, wrap func(cache.Store) cache.Store, handlers ...page.Handler) *harness {
	t.Helper()
	st := openStore(t)
	fix := testapp.New()
	routes := fix.Routes()
	routes.Handlers = append(routes.Handlers, handlers...)
	cfg.Store = st
	if wrap != nil {
		cfg.Store = wrap(st)
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
	return &harness{url: srv.URL, app: app, store: st, fix: fix}
}

// openStore opens what Run opens: a memory tier over a SQLite file.
func openStore(t *testing.T) *tiered.Store {
	t.Helper()
	file, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tiered.New(file, tiered.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// get sends a GET with the given header lines ("Name: value").
func (h *harness) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return h.do(t, http.MethodGet, path, header...)
}

func (h *harness) do(t *testing.T, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for _, hl := range header {
		k, v, _ := strings.Cut(hl, ": ")
		if k == "Host" {
			// The client sends req.Host and ignores a Host header.
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The response goes out before its render is stored: tests that read
	// the store next need the write done.
	h.app.WaitWrites()
	return resp, string(b)
}

// raw sends path exactly as given on the request line, which Go's client
// would clean or escape.
func (h *harness) raw(t *testing.T, method, path string) *http.Response {
	t.Helper()
	addr := strings.TrimPrefix(h.url, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func keys(t *testing.T, st cache.Store) []string {
	t.Helper()
	infos, err := st.(cache.Lister).List(context.Background(), cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func TestMissThenHitWithHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	r1, b1 := h.get(t, "/products/1")
	r2, b2 := h.get(t, "/products/1")
	if got := []string{r1.Header.Get("X-Gox-Cache"), r2.Header.Get("X-Gox-Cache")}; got[0] != "MISS" || got[1] != "HIT" {
		t.Fatalf("X-Gox-Cache = %v, want [MISS HIT]", got)
	}
	if b1 != b2 || !strings.Contains(b1, `<h1 id="name">Gopher</h1>`) || !strings.HasPrefix(b1, "<!doctype html>") {
		t.Fatalf("bodies differ or miss the page in its layout:\n%s", b1)
	}
	for _, r := range []*http.Response{r1, r2} {
		for name, want := range map[string]string{
			"Content-Type":           "text/html; charset=utf-8",
			"Cache-Control":          "public, max-age=0, s-maxage=3600, stale-while-revalidate=31536000",
			"Vary":                   "Accept-Encoding",
			"X-Content-Type-Options": "nosniff",
			"Content-Length":         fmt.Sprint(len(b1)),
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if r.Header.Get("ETag") == "" || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("ETag %q, Set-Cookie %q: want an ETag and no cookie", r.Header.Get("ETag"), r.Header.Get("Set-Cookie"))
		}
	}
	if got := h.fix.Renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1", got)
	}
}

func TestETagAndHead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	r, body := h.get(t, "/products/2")
	etag := r.Header.Get("ETag")
	tests := []struct {
		name, method, inm string
		wantStatus        int
		wantBody          string
	}{
		{"matching etag", "GET", etag, 304, ""},
		{"etag in a list", "GET", `"zzz", ` + etag, 304, ""},
		{"weak form", "GET", "W/" + etag, 304, ""},
		{"star", "GET", "*", 304, ""},
		{"other etag", "GET", `"zzz"`, 200, body},
		{"head", "HEAD", "", 200, ""},
		{"head with etag", "HEAD", etag, 304, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.inm != "" {
				hdr = append(hdr, "If-None-Match: "+tt.inm)
			}
			r, b := h.do(t, tt.method, "/products/2", hdr...)
			if r.StatusCode != tt.wantStatus || b != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", r.StatusCode, b, tt.wantStatus, tt.wantBody)
			}
			if r.Header.Get("ETag") != etag {
				t.Fatalf("ETag = %q, want %q", r.Header.Get("ETag"), etag)
			}
			if tt.method == "HEAD" && tt.wantStatus == 200 && r.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Fatalf("HEAD Content-Length = %q, want %d", r.Header.Get("Content-Length"), len(body))
			}
		})
	}
	if got := h.fix.Renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1 (HEAD answers from the GET entry)", got)
	}
}

func TestCompressionNegotiation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	_, plain := h.get(t, "/big")
	tests := []struct {
		accept, want string
	}{
		{"br", "br"},
		{"gzip, deflate, br", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0.5", "br"},
		{"identity", ""},
		{"BR", "br"},
		{"gzip;q=0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r, b := h.get(t, "/big", "Accept-Encoding: "+tt.accept)
			if got := r.Header.Get("Content-Encoding"); got != tt.want {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.want)
			}
			var rd io.Reader = strings.NewReader(b)
			switch tt.want {
			case "br":
				rd = brotli.NewReader(rd)
			case "gzip":
				zr, err := gzip.NewReader(rd)
				if err != nil {
					t.Fatal(err)
				}
				rd = zr
			}
			got, err := io.ReadAll(rd)
			if err != nil || string(got) != plain {
				t.Fatalf("decoded body differs from the identity body (err %v)", err)
			}
			if tt.want != "" && len(b) >= len(plain) {
				t.Fatalf("compressed %d bytes, identity %d", len(b), len(plain))
			}
		})
	}
}

func TestCachedRenderSeesOnlyItsKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	poison := []string{"X-Forwarded-Host: evil.test", "Cookie: session=secret", "User-Agent: evil-agent", "Host: evil.test"}
	_, b1 := h.get(t, "/request?q=1", poison...)
	for _, leak := range []string{"evil.test", "secret", "evil-agent", "q=1"} {
		if strings.Contains(b1, leak) {
			t.Fatalf("cached render saw %q:\n%s", leak, b1)
		}
	}
	if want := `<dd id="host">localhost</dd>`; !strings.Contains(b1, want) {
		t.Fatalf("cached render's host is not the configured one %s:\n%s", want, b1)
	}
	r2, b2 := h.get(t, "/request")
	if r2.Header.Get("X-Gox-Cache") != "HIT" || b1 != b2 {
		t.Fatalf("second visitor: %s, same body %v; want HIT with the same body", r2.Header.Get("X-Gox-Cache"), b1 == b2)
	}
	// A dynamic page sees the request, and is never cached.
	for range 2 {
		r, b := h.get(t, "/dynamic", poison...)
		if r.Header.Get("X-Gox-Cache") != "DYNAMIC" || !strings.Contains(b, "evil-agent") {
			t.Fatalf("dynamic page: %s, sees agent %v", r.Header.Get("X-Gox-Cache"), strings.Contains(b, "evil-agent"))
		}
		// The poisoned Host does reach the server: only cached renders are
		// shielded from it.
		for _, want := range []string{`<dd id="host">evil.test</dd>`, `<dd id="forwarded">evil.test</dd>`} {
			if !strings.Contains(b, want) {
				t.Fatalf("dynamic page does not show %s:\n%s", want, b)
			}
		}
		if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
			t.Fatalf("dynamic Cache-Control = %q", got)
		}
	}
	if got := keys(t, h.store); strings.Contains(strings.Join(got, " "), "dynamic") {
		t.Fatalf("dynamic page stored: %v", got)
	}
}

func TestQueryAllowlist(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	steps := []struct {
		path, want, sees string
	}{
		{"/posts?page=2&utm_source=x", "MISS", "page=2"},
		{"/posts?utm_source=y&page=2", "HIT", "page=2"},
		{"/posts?page=3", "MISS", "page=3"},
		{"/posts", "MISS", ""},
		{"/posts?utm_source=z", "HIT", ""},
	}
	for _, s := range steps {
		r, b := h.get(t, s.path)
		if got := r.Header.Get("X-Gox-Cache"); got != s.want {
			t.Fatalf("%s: X-Gox-Cache = %s, want %s", s.path, got, s.want)
		}
		if strings.Contains(b, "utm_source") || !strings.Contains(b, `<dd id="query">`+s.sees+`</dd>`) {
			t.Fatalf("%s: page saw the wrong query:\n%s", s.path, b)
		}
	}
	want := "/posts /posts?page=2 /posts?page=3"
	if got := strings.Join(keys(t, h.store), " "); got != want {
		t.Fatalf("keys = %q, want %q", got, want)
	}
}

func TestHostilePathsCreateNoEntries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	tests := []struct {
		path         string
		wantStatus   int
		wantLocation string
	}{
		{"/products/1/", 308, "/products/1"},
		{"//products/1", 308, "/products/1"},
		{"/products//1", 308, "/products/1"},
		{"/products/%31", 308, "/products/1"},
		{"/products/1/?a=b", 308, "/products/1?a=b"},
		{"/products/1;x.css", 404, ""},
		{"/products/%2e%2e/1", 404, ""},
		{"/products/../products/1", 404, ""},
		{"/products/1%2fx", 404, ""},
		{"/products/%ff", 400, ""},
		{"/products/%zz", 400, ""},
		{"/products/a%00b", 400, ""},
		{"/" + strings.Repeat("a", 3000), 414, ""},
		{"/posts?page=" + strings.Repeat("9", 3000), 414, ""},
		{"/.gox/cache.db", 404, ""},
		{"/PRODUCTS/1", 404, ""},
		{"/_gox/anything", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path[:min(len(tt.path), 40)], func(t *testing.T) {
			r := h.raw(t, "GET", tt.path)
			if r.StatusCode != tt.wantStatus || r.Header.Get("Location") != tt.wantLocation {
				t.Fatalf("got %d %q, want %d %q", r.StatusCode, r.Header.Get("Location"), tt.wantStatus, tt.wantLocation)
			}
			if r.Header.Get("Set-Cookie") != "" {
				t.Fatal("hostile path set a cookie")
			}
		})
	}
	for _, k := range keys(t, h.store) {
		if k != "/_gox/not-found" {
			t.Fatalf("a hostile path created the entry %q", k)
		}
	}
	if r := h.raw(t, "GET", "/products/1"); r.StatusCode != 200 {
		t.Fatalf("canonical path: %d", r.StatusCode)
	}
}

func TestNotFoundIsCached(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cfg          server.Config
		cacheControl string
	}{
		{"default revalidate", server.Config{}, "public, max-age=0, s-maxage=60"},
		{"configured revalidate", server.Config{Engine: isr.Options{NotFoundRevalidate: 5 * time.Minute}}, "public, max-age=0, s-maxage=300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.cfg)
			for _, path := range []string{"/products/999", "/no/such/page"} {
				for i, want := range []string{"MISS", "HIT"} {
					r, b := h.get(t, path)
					if r.StatusCode != 404 || r.Header.Get("X-Gox-Cache") != want || !strings.Contains(b, "Nothing here") {
						t.Fatalf("%s request %d: %d %s, want 404 %s with the not-found page", path, i, r.StatusCode, r.Header.Get("X-Gox-Cache"), want)
					}
					if got := r.Header.Get("Cache-Control"); got != tt.cacheControl {
						t.Errorf("%s request %d: Cache-Control = %q, want %q", path, i, got, tt.cacheControl)
					}
				}
			}
			if got := h.fix.Renders.Load(); got != 1 {
				t.Fatalf("renders = %d, want 1", got)
			}
		})
	}
}

func TestOnlyStaticParams(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	if r, _ := h.get(t, "/only/a"); r.StatusCode != 200 {
		t.Fatalf("/only/a: %d, want 200", r.StatusCode)
	}
	before := h.fix.Renders.Load()
	if r, _ := h.get(t, "/only/zzz"); r.StatusCode != 404 {
		t.Fatalf("/only/zzz: %d, want 404", r.StatusCode)
	}
	if h.fix.Renders.Load() != before {
		t.Fatal("an unlisted param was rendered")
	}
	if got := strings.Join(keys(t, h.store), " "); strings.Contains(got, "zzz") {
		t.Fatalf("unlisted param stored: %s", got)
	}
}

func TestRenderFailures(t *testing.T) {
	t.Parallel()
	// A retry due at once: the page renders again on the next request.
	h := newHarness(t, server.Config{Engine: isr.Options{RetryBase: time.Nanosecond}})
	h.fix.SetFail(testapp.ErrBroken)
	r, b := h.get(t, "/fail")
	if r.StatusCode != 500 || !strings.Contains(b, "Something broke") || strings.Contains(b, "broken on purpose") {
		t.Fatalf("failed miss: %d %q; want 500 with the error page and no error text", r.StatusCode, b)
	}
	if got := keys(t, h.store); len(got) != 0 {
		t.Fatalf("a failed render stored %v", got)
	}
	h.fix.SetFail(nil)
	if r, _ := h.get(t, "/fail"); r.Header.Get("X-Gox-Cache") != "MISS" {
		t.Fatal("want MISS once the page works")
	}
	h.fix.SetFail(testapp.ErrBroken) // a failing regeneration of a stale page
	time.Sleep(2 * time.Millisecond)
	for range 3 {
		r, b := h.get(t, "/fail")
		if r.StatusCode != 200 || r.Header.Get("X-Gox-Cache") != "STALE" || !strings.Contains(b, "ok") {
			t.Fatalf("stale page while regeneration fails: %d %s", r.StatusCode, r.Header.Get("X-Gox-Cache"))
		}
	}
}

func TestRedirectAndMethods(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	if r, _ := h.get(t, "/redirect"); r.StatusCode != 307 || r.Header.Get("Location") != "/" {
		t.Fatalf("redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS"} {
		if r, _ := h.do(t, m, "/products/1"); r.StatusCode != 405 {
			t.Fatalf("%s: %d, want 405", m, r.StatusCode)
		}
	}
	// A method override header never turns a GET into anything else.
	r, _ := h.get(t, "/products/1", "X-HTTP-Method-Override: DELETE")
	if r.StatusCode != 200 {
		t.Fatalf("GET with an override header: %d", r.StatusCode)
	}
	if r, b := h.get(t, "/docs/a/b"); r.StatusCode != 200 || !strings.Contains(b, "doc a/b") {
		t.Fatalf("catch-all: %d %q", r.StatusCode, b)
	}
}

func TestRevalidateTagOverHTTPFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	h.get(t, "/products/1")
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 9})
	inv, err := h.app.Revalidate(context.Background(), nil, []string{"product-1"}, cache.Stale)
	if err != nil || inv.Entries != 1 {
		t.Fatalf("RevalidateTag = %+v, %v", inv, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, b := h.get(t, "/products/1")
		if strings.Contains(b, `<p id="stock">9</p>`) {
			if r.Header.Get("X-Gox-Cache") != "HIT" {
				t.Fatalf("fresh page state = %s, want HIT", r.Header.Get("X-Gox-Cache"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("page never showed the new stock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStorePutErrorsAreNotFatal(t *testing.T) {
	t.Parallel()
	// A closed store cannot keep the page; it is still served.
	h := newHarness(t, server.Config{})
	h.store.Close()
	r, b := h.get(t, "/products/1")
	if r.StatusCode != 200 || !bytes.Contains([]byte(b), []byte("Gopher")) {
		t.Fatalf("closed store: %d", r.StatusCode)
	}
}
