package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/wire"
)

func revalidateReq(t *testing.T, h *harness, auth, query, ctype, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_gox/revalidate"+query, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// revalidateOK posts body with token "tok" and decodes the 200 answer.
func revalidateOK(t *testing.T, h *harness, body string) wire.RevalidateResponse {
	t.Helper()
	code, b := revalidateReq(t, h, "Bearer tok", "", "application/json", body)
	return answer(t, code, b)
}

// answer decodes a 200 answer of the revalidation endpoint.
func answer(t *testing.T, code int, body string) wire.RevalidateResponse {
	t.Helper()
	var got wire.RevalidateResponse
	if code != http.StatusOK {
		t.Fatalf("revalidate: %d %s, want 200", code, body)
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("revalidate answer %q: %v", body, err)
	}
	return got
}

// stock is how /products/{id} shows its stock.
func stock(n int) string { return fmt.Sprintf(`<p id="stock">%d</p>`, n) }

// holdLease takes the regeneration lease of key as another process would,
// so the engine's eager regeneration leaves key alone and a test sees the
// state an invalidation left behind. (A request that must wait for a fresh
// page waits Engine.LeaseWait for that process, then renders itself.) The
// engine gives back the lease of its own last render once that render's
// write has landed: until then the lease is not free.
func holdLease(t *testing.T, h *harness, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := h.store.(cache.Leaser).Lease(context.Background(), key, "other-process", time.Hour)
		if err != nil {
			t.Fatalf("lease %s: %v", key, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease %s: still held after 5 s", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// unchanged checks that /products/1 is still the cached page showing
// stock want, and that nothing rendered since renders was read.
func unchanged(t *testing.T, h *harness, want int, renders int64) {
	t.Helper()
	r, b := h.get(t, "/products/1")
	if got, shown := r.Header.Get("X-Gox-Cache"), strings.Contains(b, stock(want)); got != "HIT" || !shown {
		t.Fatalf("after a refused revalidation: %s, cached stock %d shown: %v; want HIT of the cached page", got, want, shown)
	}
	if got := h.fix.Renders.Load(); got != renders {
		t.Fatalf("renders = %d, want %d: a refused revalidation regenerated a page", got, renders)
	}
}

func TestRevalidateEndpoint(t *testing.T) {
	t.Parallel()
	const token, draftSecret = "rev-token", "draft-secret"
	off := newHarness(t, server.Config{})
	if code, _ := revalidateReq(t, off, "Bearer x", "", "application/json", `{"tags":["a"]}`); code != 404 {
		t.Fatalf("no token configured: %d, want 404", code)
	}
	h := newHarness(t, server.Config{RevalidateToken: token, DraftSecret: draftSecret})
	h.get(t, "/products/1")
	h.get(t, "/products/2")
	// The data changes; only an accepted revalidation may show it.
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 9})
	ctJSON := "application/json"
	tests := []struct {
		name, auth, query, ctype, body string
		want                           int
		wantBody                       string
	}{
		{"wrong token", "Bearer nope", "", ctJSON, `{"tags":["product-1"]}`, 401, ""},
		{"empty bearer", "Bearer ", "", ctJSON, `{"tags":["product-1"]}`, 401, ""},
		{"token in the query", "", "?token=" + token, ctJSON, `{"tags":["product-1"]}`, 401, ""},
		{"right token in the query too", "Bearer " + token, "?token=" + token, ctJSON, `{"tags":["product-1"]}`, 401, ""},
		{"draft secret instead", "Bearer " + draftSecret, "", ctJSON, `{"tags":["product-1"]}`, 401, ""},
		{"bad json", "Bearer " + token, "", ctJSON, `{"tags":`, 400, ""},
		{"not json", "Bearer " + token, "", "text/plain", `{"tags":["product-1"]}`, 415, ""},
		{"right token", "Bearer " + token, "", ctJSON, `{"tags":["product-list"],"paths":["/products/1"]}`, 200, `{"paths":1,"tags":1,"entries":2,"mode":"stale"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			renders := h.fix.Renders.Load()
			code, body := revalidateReq(t, h, tt.auth, tt.query, tt.ctype, tt.body)
			if code != tt.want || (tt.wantBody != "" && strings.TrimSpace(body) != tt.wantBody) {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.want, tt.wantBody)
			}
			if strings.Contains(body, token) {
				t.Fatal("answer echoes the token")
			}
			if tt.want != 200 {
				unchanged(t, h, 10, renders)
			}
		})
	}
}

// TestRevalidateRefusesDraftCookie: the draft cookie is a separate secret;
// a browser in draft mode cannot revalidate with it.
func TestRevalidateRefusesDraftCookie(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{RevalidateToken: "rev-token", DraftSecret: "draft-secret"})
	h.get(t, "/products/1")
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 9})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(h.url + "/_gox/draft?token=draft-secret&redirect=/products/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(h.url)
	if resp.Header.Get("X-Gox-Cache") != "BYPASS" || len(jar.Cookies(u)) == 0 {
		t.Fatalf("draft mode: %s with %d cookies, want BYPASS and the draft cookie", resp.Header.Get("X-Gox-Cache"), len(jar.Cookies(u)))
	}
	renders := h.fix.Renders.Load()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_gox/revalidate", strings.NewReader(`{"tags":["product-1"]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("draft cookie as revalidation credential: %d, want 401", resp.StatusCode)
	}
	unchanged(t, h, 10, renders)
}

// TestRevalidateCountsEachEntryOnce: an entry covered by a tag and a path
// of one request is one entry.
func TestRevalidateCountsEachEntryOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{RevalidateToken: "tok"})
	h.get(t, "/products/1")
	h.get(t, "/products/2")
	// Keys sharing a prefix with /posts that its path does not cover.
	for _, k := range []string{"/posts", "/posts?page=2", "/posts?page=3", "/posts/x", "/postsx"} {
		e := &cache.Entry{Key: k, Route: "/posts", Status: http.StatusOK, Header: http.Header{}, Body: []byte("x"),
			GeneratedAt: time.Now(), Tags: []string{"seed", "seed-" + k[1:]}, BuildID: "dev"}
		if err := h.store.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, body                   string
		wantPaths, wantTags, entries int
		unmatched                    []string
	}{
		{"tag and path of one page", `{"tags":["product-1"],"paths":["/products/1"]}`, 1, 1, 1, nil},
		{"tag of two pages and path of one", `{"tags":["product-list"],"paths":["/products/1"]}`, 1, 1, 2, nil},
		{"two tags of one page", `{"tags":["product-1","product-list"]}`, 0, 2, 2, nil},
		{"tags and paths of both", `{"tags":["product-1","product-2","product-list"],"paths":["/products/1","/products/2"]}`, 2, 3, 2, nil},
		{"one path twice", `{"paths":["/products/1","/products/1/"]}`, 1, 0, 1, nil},
		{"path with queries", `{"paths":["/posts"]}`, 1, 0, 3, nil},
		{"path with queries and their tag", `{"paths":["/posts"],"tags":["seed"]}`, 1, 1, 5, nil},
		{"path and the tag of one query", `{"paths":["/posts"],"tags":["seed-posts?page=2","seed-postsx"]}`, 1, 2, 4, nil},
		{"nothing cached", `{"paths":["/products/999"],"tags":["none"]}`, 1, 1, 0, nil},
		{"no such route", `{"paths":["/no/such/route","/products/1"]}`, 1, 0, 1, []string{"/no/such/route"}},
		{"only unmatched", `{"paths":["/nowhere/"]}`, 0, 0, 0, []string{"/nowhere"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := revalidateOK(t, h, tt.body)
			want := wire.RevalidateResponse{Paths: tt.wantPaths, Tags: tt.wantTags, Entries: tt.entries, Mode: "stale", Unmatched: tt.unmatched}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestRevalidatePathOverHTTPIsCanonical: paths are spelled as in links
// and reach the entry the router keys the page under.
func TestRevalidatePathOverHTTPIsCanonical(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{RevalidateToken: "tok"})
	h.get(t, "/products/1")
	tests := []struct {
		name, path string
		want       int
		entries    int
		msg        string
	}{
		{"canonical", "/products/1", 200, 1, ""},
		{"trailing slash", "/products/1/", 200, 1, ""},
		{"doubled slashes", "//products//1", 200, 1, ""},
		{"needless escape", "/products/%31", 200, 1, ""},
		{"relative", "products/1", 400, 0, "not absolute"},
		{"dot segment", "/products/../products/1", 400, 0, "dot segment"},
		{"query", "/products/1?x=1", 400, 0, "give the path alone"},
		{"too long", "/" + strings.Repeat("p", 3000), 400, 0, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string][]string{"paths": {tt.path}})
			code, got := revalidateReq(t, h, "Bearer tok", "", "application/json", string(body))
			if code != tt.want {
				t.Fatalf("got %d %s, want %d", code, got, tt.want)
			}
			if tt.want != 200 {
				if !strings.Contains(got, tt.msg) {
					t.Fatalf("answer %s, want it to say %q", got, tt.msg)
				}
				return
			}
			if a := answer(t, code, got); a.Entries != tt.entries {
				t.Fatalf("entries = %d, want %d", a.Entries, tt.entries)
			}
		})
	}
}

// newAPIHarness serves two endpoints that call gox.RevalidatePath and
// gox.ExpirePath with ?path=.
func newAPIHarness(t *testing.T) *harness {
	t.Helper()
	call := func(f func(context.Context, ...string) error) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := f(c.Request().Context(), c.QueryParam("path")); err != nil {
				return c.String(http.StatusBadRequest, err.Error())
			}
			return c.NoContent(http.StatusNoContent)
		}
	}
	return newHarnessWith(t, server.Config{Engine: isr.Options{LeaseWait: 50 * time.Millisecond}}, nil,
		page.Handler{Pattern: "/api/revalidate", Method: http.MethodPost, Func: call(gox.RevalidatePath)},
		page.Handler{Pattern: "/api/expire", Method: http.MethodPost, Func: call(gox.ExpirePath)})
}

// TestRevalidatePathGoAPIIsCanonical: gox.RevalidatePath and
// gox.ExpirePath reach the page whatever the spelling of its path, and
// refuse a path no request could reach.
func TestRevalidatePathGoAPIIsCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		api, path string
		wantState string // of the next GET; "" for a refused path
		wantErr   string
	}{
		{"revalidate", "/products/1", "STALE", ""},
		{"revalidate", "/products/1/", "STALE", ""},
		{"revalidate", "//products//1//", "STALE", ""},
		{"expire", "/products/1/", "EXPIRED", ""},
		{"expire", "///products/1", "EXPIRED", ""},
		{"revalidate", "products/1", "", "not absolute"},
		{"expire", "/products/1/..", "", "dot segment"},
		{"expire", "/products/1?page=2", "", "give the path alone"},
	}
	for _, tt := range tests {
		t.Run(tt.api+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			h := newAPIHarness(t)
			h.get(t, "/products/1")
			holdLease(t, h, "/products/1")
			h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 9})
			resp, err := http.Post(h.url+"/api/"+tt.api+"?path="+url.QueryEscape(tt.path), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.wantErr != "" {
				if resp.StatusCode != 400 || !strings.Contains(string(msg), tt.wantErr) {
					t.Fatalf("got %d %s, want an error saying %q", resp.StatusCode, msg, tt.wantErr)
				}
				unchanged(t, h, 10, h.fix.Renders.Load())
				return
			}
			if resp.StatusCode != 204 {
				t.Fatalf("got %d %s, want 204", resp.StatusCode, msg)
			}
			r, b := h.get(t, "/products/1")
			wantStock := 10 // stale: the old page at once
			if tt.wantState == "EXPIRED" {
				wantStock = 9 // expired: the visitor waits for the fresh one
			}
			if got := r.Header.Get("X-Gox-Cache"); got != tt.wantState || !strings.Contains(b, stock(wantStock)) {
				t.Fatalf("next GET: %s, want %s showing stock %d", got, tt.wantState, wantStock)
			}
		})
	}
}

// TestRevalidateExpireOverHTTP: mode expire makes the next visitor wait
// for a fresh render instead of getting the old page.
func TestRevalidateExpireOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{RevalidateToken: "tok", Engine: isr.Options{LeaseWait: 50 * time.Millisecond}})
	h.get(t, "/products/1")
	holdLease(t, h, "/products/1")
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 9})
	got := revalidateOK(t, h, `{"paths":["/products/1"],"mode":"expire"}`)
	if want := (wire.RevalidateResponse{Paths: 1, Entries: 1, Mode: "expire"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("answer %+v, want %+v", got, want)
	}
	r, b := h.get(t, "/products/1")
	if r.Header.Get("X-Gox-Cache") != "EXPIRED" || !strings.Contains(b, stock(9)) {
		t.Fatalf("next GET: %s, want EXPIRED with the new stock", r.Header.Get("X-Gox-Cache"))
	}
	if r, b := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, stock(9)) {
		t.Fatalf("then: %s, want HIT of the new page", r.Header.Get("X-Gox-Cache"))
	}
}

// bulkStore is the real store, telling a test when an invalidation of tag
// enters it and when it is done there.
// bulkStore holds the first invalidation of tag, after the store has
// done it, until release is closed: the invalidation is still in flight.
type bulkStore struct {
	cache.Store
	tag              string
	seen             atomic.Bool
	entered, release chan struct{}
}

func (s *bulkStore) InvalidateTags(ctx context.Context, tags []string, at time.Time, m cache.Mode) ([]string, error) {
	if !slices.Contains(tags, s.tag) || !s.seen.CompareAndSwap(false, true) {
		return s.Store.InvalidateTags(ctx, tags, at, m)
	}
	keys, err := s.Store.InvalidateTags(ctx, tags, at, m)
	close(s.entered)
	<-s.release
	return keys, err
}

// TestRevalidateManyEntriesDoesNotBlockHits: while a tag covering 10,000
// entries is revalidated, other pages keep being served from the cache.
func TestRevalidateManyEntriesDoesNotBlockHits(t *testing.T) {
	t.Parallel()
	bulk := &bulkStore{tag: "bulk", entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarnessWith(t, server.Config{RevalidateToken: "tok"}, func(st cache.Store) cache.Store {
		bulk.Store = st
		return bulk
	})
	h.get(t, "/products/1")
	seed10k(t, h)
	// A HIT that waited on the invalidation would wait for ever: the
	// timeout turns that into a failure.
	client := &http.Client{Timeout: 30 * time.Second}
	answered := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(bulk.release)
		select {
		case <-bulk.entered:
		case <-answered: // refused before reaching the cache
			return
		}
		resp, err := client.Get(h.url + "/products/1")
		if err != nil {
			t.Errorf("other page while the bulk invalidation is held: %v", err)
			return
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Error(err)
		}
		if got := resp.Header.Get("X-Gox-Cache"); got != "HIT" {
			t.Errorf("other page during bulk revalidation: %s, want HIT", got)
		}
	})
	code, body := revalidateReq(t, h, "Bearer tok", "", "application/json", `{"tags":["bulk"]}`)
	close(answered)
	wg.Wait()
	if got := answer(t, code, body); got.Entries != 10_000 {
		t.Fatalf("entries = %d, want 10000", got.Entries)
	}
	if !bulk.seen.Load() {
		t.Fatal("the bulk invalidation never reached the store")
	}
}

func TestPrerenderHeaderRevalidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{RevalidateToken: "tok"})
	h.get(t, "/products/1")
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 4})
	r, b := h.get(t, "/products/1", "x-prerender-revalidate: tok")
	if r.StatusCode != 200 || r.Header.Get("X-Gox-Cache") != "REVALIDATED" || !strings.Contains(b, stock(4)) {
		t.Fatalf("prerender revalidation: %d %s", r.StatusCode, r.Header.Get("X-Gox-Cache"))
	}
	if r, b := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, stock(4)) {
		t.Fatal("the regenerated page is not what the cache serves")
	}
}

// TestPrerenderHeader: x-prerender-revalidate regenerates with the right
// token only; without a token configured it is an ordinary header.
func TestPrerenderHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, configured, sent string
		wantCode                       int
		wantState                      string
		regenerated                    bool
	}{
		{"HEAD with the token", http.MethodHead, "tok", "tok", 200, "REVALIDATED", true},
		{"GET with the token", http.MethodGet, "tok", "tok", 200, "REVALIDATED", true},
		{"no token configured", http.MethodGet, "", "tok", 200, "HIT", false},
		{"HEAD, no token configured", http.MethodHead, "", "tok", 200, "HIT", false},
		{"wrong token", http.MethodGet, "tok", "nope", 401, "ERROR", false},
		{"HEAD, wrong token", http.MethodHead, "tok", "nope", 401, "ERROR", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, server.Config{RevalidateToken: tt.configured})
			_, cached := h.get(t, "/products/1")
			h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 4})
			renders := h.fix.Renders.Load()
			r, b := h.do(t, tt.method, "/products/1", revalidate.PrerenderHeader+": "+tt.sent)
			if r.StatusCode != tt.wantCode || r.Header.Get("X-Gox-Cache") != tt.wantState {
				t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.Header.Get("X-Gox-Cache"), tt.wantCode, tt.wantState)
			}
			if tt.method == http.MethodHead && b != "" {
				t.Fatalf("HEAD answered with a body of %d bytes", len(b))
			}
			if tt.method == http.MethodGet && tt.wantCode == 200 && tt.regenerated != strings.Contains(b, stock(4)) {
				t.Fatalf("body shows the new stock: %v, want %v", !tt.regenerated, tt.regenerated)
			}
			if tt.method == http.MethodGet && !tt.regenerated && tt.wantCode == 200 && b != cached {
				t.Fatal("the header changed the cached page")
			}
			if !tt.regenerated {
				unchanged(t, h, 10, renders)
				return
			}
			if got := h.fix.Renders.Load(); got != renders+1 {
				t.Fatalf("renders = %d, want %d", got, renders+1)
			}
			if r, b := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, stock(4)) {
				t.Fatalf("after: %s, want HIT of the regenerated page", r.Header.Get("X-Gox-Cache"))
			}
		})
	}
}
