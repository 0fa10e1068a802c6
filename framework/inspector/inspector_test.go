package inspector_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/inspector"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/metrics"
)

// call is one revalidation a form asked for.
type call struct {
	paths, tags []string
	mode        cache.Mode
}

type fixture struct {
	h     http.Handler
	m     *metrics.Metrics
	st    *memory.Store
	calls []call
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: memory.New()}
	t.Cleanup(func() { f.st.Close() })
	eng, err := isr.New(isr.Options{Store: f.st, BuildID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	f.m = metrics.New(metrics.Options{Interval: time.Hour})
	t.Cleanup(func() { f.m.Close() })
	f.h = inspector.New(inspector.Options{
		Metrics: f.m, Store: f.st, Engine: eng, BuildID: "b1",
		Revalidate: func(_ context.Context, paths, tags []string, mode cache.Mode) (isr.Invalidation, error) {
			if len(paths) == 1 && paths[0] == "bad" {
				return isr.Invalidation{}, errors.New("not a path")
			}
			f.calls = append(f.calls, call{paths, tags, mode})
			return isr.Invalidation{}, nil
		},
		CheckOrigin: func(r *http.Request) error {
			if r.Header.Get("Origin") != "http://example.com" {
				return errors.New("cross-site")
			}
			return nil
		},
	})
	body := "<h1>product</h1>"
	e := &cache.Entry{Key: "/products/1", Route: "/products/{id}", Status: 200, Body: []byte(body), Sum: xxhash.Sum64String(body),
		Gzip: []byte("gz"), GeneratedAt: time.Now().Add(-time.Minute), Tags: []string{"product-1", "<script>"}, BuildID: "b1", LastError: "db down"}
	if err := f.st.Put(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) get(t *testing.T, target string) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return w, doc
}

func TestOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 9 {
		f.m.Response("/products/{id}", []string{"HIT"}, 200, 10)
	}
	f.m.Response("/products/{id}", []string{"MISS"}, 200, 10)
	// A route written as often as it is read: flagged.
	for range 12 {
		f.m.Response("/news", []string{"MISS"}, 200, 10)
		f.m.Stored("/news", "/news")
	}
	f.m.Failed("/news", "/news", errors.New("feed <down>"))
	f.m.Tick(time.Now())
	f.m.Tick(time.Now())
	w, doc := f.get(t, "/_gox/cache")
	if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("%d %q", w.Code, w.Header())
	}
	row := doc.Find(`tr[data-route="/products/{id}"]`)
	if got := row.Find(".reads").Text(); got != "10" {
		t.Errorf("reads %q, want 10", got)
	}
	if got := row.Find(".hits").Text(); got != "90.0%" {
		t.Errorf("hit rate %q, want 90.0%%", got)
	}
	if row.Find(".warn").Length() != 0 {
		t.Error("a read-heavy route is flagged")
	}
	news := doc.Find(`tr[data-route="/news"]`)
	if news.Find(".warn").Length() != 1 || !strings.Contains(news.Find(".err").Text(), "feed <down>") {
		t.Errorf("write-heavy route: %q", news.Text())
	}
	if doc.Find("svg polyline").Length() != 2 {
		t.Error("no chart of reads and writes")
	}
	if strings.Contains(w.Body.String(), "feed <down>") {
		t.Error("an error message is not escaped")
	}
}

func TestRouteAndEntryPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w, doc := f.get(t, "/_gox/cache/route?route="+url.QueryEscape("/products/{id}"))
	if w.Code != 200 || doc.Find(`tr[data-key="/products/1"] .state`).Text() != "FRESH" {
		t.Fatalf("%d: %q", w.Code, doc.Find("#entries").Text())
	}
	w, doc = f.get(t, "/_gox/cache/entry?key=/products/1")
	if w.Code != 200 || doc.Find("#state").Text() != "FRESH" || !strings.Contains(doc.Find("#sizes").Text(), "gzip 2 B") ||
		doc.Find("#last-error").Text() != "db down" || !strings.Contains(doc.Find("#age").Text(), "1m0s") {
		t.Fatalf("%d: %q", w.Code, doc.Find("#entry").Text())
	}
	if strings.Contains(w.Body.String(), "<script>") {
		t.Error("a tag is not escaped")
	}
	if _, err := f.st.InvalidateTags(context.Background(), []string{"product-1"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if _, doc = f.get(t, "/_gox/cache/entry?key=/products/1"); doc.Find("#state").Text() != "STALE" {
		t.Errorf("after revalidation: %q", doc.Find("#state").Text())
	}
	for target, want := range map[string]int{
		"/_gox/cache/entry?key=/nothing":                     404,
		"/_gox/cache/entry":                                  400,
		"/_gox/cache/entry?key=" + strings.Repeat("a", 2000): 400,
		"/_gox/cache/route":                                  400,
		"/_gox/cache/elsewhere":                              404,
	} {
		if w, _ := f.get(t, target); w.Code != want {
			t.Errorf("%s: %d, want %d", target, w.Code, want)
		}
	}
}

func TestRevalidateForm(t *testing.T) {
	t.Parallel()
	post := func(f *fixture, origin, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/_gox/cache/revalidate", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		return w
	}
	const same = "http://example.com"
	tests := []struct {
		name, origin, body string
		code               int
		location           string
	}{
		{"tag, stale", same, "kind=tag&value=product-1&mode=stale&back=/_gox/cache/entry?key=/products/1", 303, "/_gox/cache/entry?key=/products/1"},
		{"path, expire", same, "kind=path&value=/products/1&mode=expire", 303, "/_gox/cache"},
		{"foreign origin", "https://evil.example", "kind=tag&value=x", 403, ""},
		{"no origin", "", "kind=tag&value=x", 403, ""},
		{"unknown kind", same, "kind=all&value=x", 400, ""},
		{"unknown mode", same, "kind=tag&value=x&mode=now", 400, ""},
		{"empty value", same, "kind=tag&value=+", 400, ""},
		{"long value", same, "kind=tag&value=" + strings.Repeat("x", 1025), 400, ""},
		{"huge body", same, "kind=tag&value=" + strings.Repeat("x", 64<<10), 400, ""},
		{"bad form", same, "kind=%zz", 400, ""},
		{"refused by the app", same, "kind=path&value=bad", 400, ""},
		{"back elsewhere", same, "kind=tag&value=x&back=https://evil.example/", 303, "/_gox/cache"},
		{"back protocol-relative", same, "kind=tag&value=x&back=//evil.example/_gox/cache", 303, "/_gox/cache"},
		{"back up", same, "kind=tag&value=x&back=/_gox/cache/../admin", 303, "/_gox/cache"},
	}
	for _, tt := range tests {
		f := newFixture(t)
		w := post(f, tt.origin, tt.body)
		if w.Code != tt.code || w.Header().Get("Location") != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.name, w.Code, w.Header().Get("Location"), tt.code, tt.location)
		}
		if tt.code != 303 && len(f.calls) != 0 {
			t.Errorf("%s: refused, yet revalidated %v", tt.name, f.calls)
		}
	}
	f := newFixture(t)
	post(f, same, "kind=tag&value=product-1&mode=stale")
	post(f, same, "kind=path&value=/products/1&mode=expire")
	if len(f.calls) != 2 || f.calls[0].tags[0] != "product-1" || f.calls[0].mode != cache.Stale || f.calls[1].paths[0] != "/products/1" || f.calls[1].mode != cache.Expire {
		t.Errorf("calls %+v", f.calls)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest("GET", "/_gox/cache/revalidate", nil))
	if w.Code != 405 {
		t.Errorf("GET of the form's target: %d, want 405", w.Code)
	}
	w = httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest("DELETE", "/_gox/cache", nil))
	if w.Code != 405 {
		t.Errorf("DELETE: %d, want 405", w.Code)
	}
}

// TestRevalidateWithoutOriginCheck: an inspector given no CheckOrigin
// refuses every post, even one that looks same-origin, rather than skip
// the check.
func TestRevalidateWithoutOriginCheck(t *testing.T) {
	t.Parallel()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	eng, err := isr.New(isr.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	m := metrics.New(metrics.Options{Interval: time.Hour})
	t.Cleanup(func() { m.Close() })
	var calls atomic.Int64
	srv := httptest.NewServer(inspector.New(inspector.Options{Metrics: m, Store: st, Engine: eng,
		Revalidate: func(context.Context, []string, []string, cache.Mode) (isr.Invalidation, error) {
			calls.Add(1)
			return isr.Invalidation{}, nil
		},
	}))
	t.Cleanup(srv.Close)
	req, err := http.NewRequest("POST", srv.URL+"/_gox/cache/revalidate", strings.NewReader("kind=tag&value=x"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || calls.Load() != 0 {
		t.Fatalf("POST without an origin check: %d after %d revalidations, want 403 and none", resp.StatusCode, calls.Load())
	}
}
