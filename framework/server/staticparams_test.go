package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// catalog is a StaticParams listing the id "a" that a test can make fail
// or hold; it counts its calls.
type catalog struct {
	calls atomic.Int64
	fail  atomic.Bool
	// gate, when not nil, holds each call until it is closed or the
	// call's context ends.
	gate chan struct{}
}

func (c *catalog) params(ctx context.Context) ([]page.Params, error) {
	c.calls.Add(1)
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if c.fail.Load() {
		return nil, errors.New("catalog database down")
	}
	return []page.Params{{"id": "a"}}, nil
}

// catalogServer serves /items/{id} (only the catalog's ids, with a buy
// action counted in bought) and /other/{id} (only "a"), with StaticParams
// retried after retry.
func catalogServer(t *testing.T, c *catalog, retry time.Duration, cfg server.Config) (url string, bought *atomic.Int64) {
	t.Helper()
	bought = new(atomic.Int64)
	routes := page.Routes{
		NotFound: testapp.NotFoundPage,
		Pages: []page.Page{
			{
				Pattern: "/items/{id}", Render: rawPage("item"), OnlyStaticParams: true, StaticParams: c.params,
				Error: testapp.ErrorPage, Actions: gox.Actions{"buy": func(*gox.Ctx) error { bought.Add(1); return nil }},
			},
			{Pattern: "/other/{id}", Render: rawPage("other"), OnlyStaticParams: true, StaticParams: staticParams("a")},
		},
	}
	cfg.Store = openStore(t)
	cfg.Logger = slog.New(slog.DiscardHandler)
	app, err := server.New(routes, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server.SetStaticRetry(app, retry) // before the server's goroutines start
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	return srv.URL, bought
}

// call sends method url (an action form from origin when method is POST)
// and returns the response with its body; a request that hangs fails the
// test rather than the run. It may be called from any goroutine.
func call(t *testing.T, method, url, origin string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err) // not Fatal: called from other goroutines
		return &http.Response{Header: http.Header{}}, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
	}
	return resp, string(b)
}

// uncached503 fails unless resp is a 503 with the error page that no cache
// keeps.
func uncached503(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	cc := resp.Header.Get("Cache-Control")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Something broke") || strings.Contains(body, "Nothing here") {
		t.Fatalf("%s: %d Retry-After %q\n%s\nwant 503 with Retry-After and the error page", what, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if strings.Contains(cc, "public") || !(strings.Contains(cc, "no-store") || strings.Contains(cc, "private")) {
		t.Fatalf("%s: Cache-Control %q, want one no cache keeps", what, cc)
	}
}

// TestStaticParamsFailure: while StaticParams fails, a page with only
// static params answers 503 with its error page, uncached, for listed and
// unlisted paths alike (a cached 404 would outlive the outage); once it
// works again, the listed path is served and the unlisted one is a 404.
func TestStaticParamsFailure(t *testing.T) {
	t.Parallel()
	c := &catalog{}
	c.fail.Store(true)
	url, _ := catalogServer(t, c, time.Millisecond, server.Config{})
	for _, path := range []string{"/items/a", "/items/zzz"} {
		resp, body := call(t, http.MethodGet, url+path, "")
		uncached503(t, path+" while StaticParams fails", resp, body)
	}
	c.fail.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, body := call(t, http.MethodGet, url+"/items/a", "")
		if resp.StatusCode == http.StatusOK && strings.Contains(body, "item") {
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("/items/a once StaticParams works: %d, want 200", resp.StatusCode)
		}
		time.Sleep(time.Millisecond)
	}
	if resp, body := call(t, http.MethodGet, url+"/items/zzz", ""); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Nothing here") {
		t.Fatalf("/items/zzz once StaticParams works: %d, want 404 with the not-found page", resp.StatusCode)
	}
}

// TestStaticParamsFailureBounded: the requests that arrive while
// StaticParams runs share its call, and those after its failure get the
// 503 at once until the retry is due: one call for them all.
func TestStaticParamsFailureBounded(t *testing.T) {
	t.Parallel()
	c := &catalog{gate: make(chan struct{})}
	c.fail.Store(true)
	url, _ := catalogServer(t, c, time.Hour, server.Config{})
	const n = 20
	var wg sync.WaitGroup
	resps := make([]*http.Response, n)
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			path := "/items/a"
			if i%2 == 1 {
				path = "/items/zzz"
			}
			resps[i], bodies[i] = call(t, http.MethodGet, url+path, "")
		})
	}
	for c.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(c.gate)
	wg.Wait()
	for i := range n {
		uncached503(t, "concurrent request", resps[i], bodies[i])
	}
	resp, body := call(t, http.MethodPost, url+"/items/a?/buy", url)
	uncached503(t, "action while StaticParams fails", resp, body)
	if got := c.calls.Load(); got != 1 {
		t.Fatalf("StaticParams ran %d times for %d requests, want 1", got, n+1)
	}
}

// TestStaticParamsPerRoute: a StaticParams that hangs holds up its own
// route, not the others', and is cut at the render timeout.
func TestStaticParamsPerRoute(t *testing.T) {
	t.Parallel()
	c := &catalog{gate: make(chan struct{})} // never opened: each call hangs until its context ends
	url, _ := catalogServer(t, c, time.Hour, server.Config{RenderTimeout: 500 * time.Millisecond})
	done := make(chan struct{})
	var resp *http.Response
	var body string
	go func() {
		defer close(done)
		resp, body = call(t, http.MethodGet, url+"/items/a", "")
	}()
	for c.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Sent while /items's StaticParams hangs: /other answers regardless.
	if r, b := call(t, http.MethodGet, url+"/other/a", ""); r.StatusCode != http.StatusOK || !strings.Contains(b, "other") {
		t.Fatalf("/other/a while /items's StaticParams hangs: %d, want 200", r.StatusCode)
	}
	<-done
	uncached503(t, "StaticParams past the render timeout", resp, body)
}

// TestActionOnUnlistedPath: an action posted to a path its page does not
// list is answered 404, like a GET of that path, and does not run.
func TestActionOnUnlistedPath(t *testing.T) {
	t.Parallel()
	url, bought := catalogServer(t, &catalog{}, time.Hour, server.Config{})
	if resp, _ := call(t, http.MethodPost, url+"/items/zzz?/buy", url); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("action on an unlisted path: %d, want 404", resp.StatusCode)
	}
	if n := bought.Load(); n != 0 {
		t.Fatalf("the action ran %d times on an unlisted path", n)
	}
	if resp, _ := call(t, http.MethodPost, url+"/items/a?/buy", url); resp.StatusCode != http.StatusSeeOther || bought.Load() != 1 {
		t.Fatalf("action on a listed path: %d, ran %d times; want 303, once", resp.StatusCode, bought.Load())
	}
}
