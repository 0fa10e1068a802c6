package isr_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

// catalog is a /products/{slug} route whose known slugs render a page and
// every other slug a cached 404; both carry the product-list tag, as a
// list page's data would.
type catalog struct {
	known   map[string]bool
	renders atomic.Int64
	gate    chan struct{} // if set, renders wait for it to close
	mu      sync.Mutex
	seen    []string // keys rendered
}

func (c *catalog) render(_ context.Context, key route.Key, params map[string]string) (isr.Result, error) {
	c.renders.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	c.mu.Lock()
	c.seen = append(c.seen, string(key))
	c.mu.Unlock()
	tags := []string{"product-list"}
	if !c.known[params["slug"]] {
		return isr.Result{Status: http.StatusNotFound, Body: []byte("no such product"), Tags: tags}, nil
	}
	return isr.Result{Status: http.StatusOK, Body: []byte("product " + params["slug"]), Tags: tags}, nil
}

// request serves the product at slug once.
func request(t *testing.T, e *isr.Engine, r *isr.Route, slug string) {
	t.Helper()
	j := isr.Job{Route: r, Key: route.Key("/products/" + slug), Params: map[string]string{"slug": slug}}
	if _, _, err := e.Serve(context.Background(), j); err != nil {
		t.Error(err)
	}
}

// TestEagerSkipsNotFoundPages: after a crawl of 20,000 unknown slugs, one
// invalidation of the tag they all carry regenerates the real pages only.
func TestEagerSkipsNotFoundPages(t *testing.T) {
	t.Parallel()
	const unknown, real = 20_000, 6
	c := &catalog{known: map[string]bool{}}
	for i := range real {
		c.known[fmt.Sprintf("real-%d", i)] = true
	}
	var logs logBuffer
	// Every key requested stays remembered: the budget and the 404 rule
	// alone bound the renders.
	// No bound of the 404s' own either: all 20,000 stay cached.
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{MaxNotFoundPerRoute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEngine(t, st, isr.Options{RecentKeys: 2 * unknown, Logger: logs.logger()})
	r, err := e.Register("/products/{slug}", c.render)
	if err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < unknown; i = next.Add(1) - 1 {
				request(t, e, r, fmt.Sprintf("unknown-%d", i))
			}
		})
	}
	wg.Wait()
	for slug := range c.known {
		for range 3 { // the real pages are the most requested too
			request(t, e, r, slug)
		}
	}
	e.WaitWrites()
	c.renders.Store(0)

	inv, err := e.RevalidateTags(context.Background(), []string{"product-list"}, cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Entries != unknown+real || inv.Scheduled != real || inv.Deferred != 0 {
		t.Fatalf("RevalidateTags = %+v, want %d entries, %d scheduled, 0 deferred", inv, unknown+real, real)
	}
	eventually(t, "the real pages regenerated", func() bool { return c.renders.Load() == real })
	e.Close() // no more background work can start
	if got := c.renders.Load(); got != real {
		t.Fatalf("background renders = %d, want %d", got, real)
	}
	if got := strings.Count(logs.String(), "queue full"); got != 0 {
		t.Fatalf("%d queue-full lines, want none:\n%s", got, logs.String())
	}
}

// TestEagerBudget: by default one invalidation queues the 64 most
// requested pages it covers; the rest wait for their next request.
func TestEagerBudget(t *testing.T) {
	t.Parallel()
	const pages, budget = 150, 64
	c := &catalog{known: map[string]bool{}}
	for i := range pages {
		c.known[fmt.Sprint(i)] = true
	}
	e := newEngine(t, openStore(t, ""), isr.Options{})
	r, err := e.Register("/products/{slug}", c.render)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pages {
		request(t, e, r, fmt.Sprint(i))
		if i < budget { // the first 64 are the most requested
			request(t, e, r, fmt.Sprint(i))
		}
	}
	e.WaitWrites()
	c.mu.Lock()
	c.seen = nil
	c.mu.Unlock()
	c.renders.Store(0)
	inv, err := e.RevalidateTags(context.Background(), []string{"product-list"}, cache.Stale)
	if err != nil || inv.Entries != pages || inv.Scheduled != budget {
		t.Fatalf("RevalidateTags = %+v, %v; want %d entries, %d scheduled", inv, err, pages, budget)
	}
	eventually(t, "the budget regenerated", func() bool { return c.renders.Load() == budget })
	e.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) != budget {
		t.Fatalf("renders = %d, want %d", len(c.seen), budget)
	}
	for _, k := range c.seen {
		var i int
		if _, err := fmt.Sscanf(k, "/products/%d", &i); err != nil || i >= budget {
			t.Fatalf("regenerated %s, not one of the %d most requested", k, budget)
		}
	}
}

// TestFullQueueLogsOneLine: the keys an invalidation cannot queue are
// counted and reported in one line, not one per key.
func TestFullQueueLogsOneLine(t *testing.T) {
	t.Parallel()
	const pages = 20
	c := &catalog{known: map[string]bool{}}
	for i := range pages {
		c.known[fmt.Sprint(i)] = true
	}
	var logs logBuffer
	e := newEngine(t, openStore(t, ""), isr.Options{Workers: 1, Queue: 2, Logger: logs.logger()})
	r, err := e.Register("/products/{slug}", c.render)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pages {
		request(t, e, r, fmt.Sprint(i))
	}
	e.WaitWrites()
	gate := make(chan struct{})
	c.gate = gate // the worker holds its first job: the queue stays full
	t.Cleanup(func() { close(gate) })
	inv, err := e.RevalidateTags(context.Background(), []string{"product-list"}, cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	// One running, two queued, or two queued before the worker took one.
	if inv.Scheduled < 2 || inv.Scheduled > 3 || inv.Scheduled+inv.Deferred != pages {
		t.Fatalf("RevalidateTags = %+v, want 2 or 3 scheduled and the rest of %d deferred", inv, pages)
	}
	out := logs.String()
	if got := strings.Count(out, "queue full"); got != 1 || !strings.Contains(out, fmt.Sprintf("deferred=%d", inv.Deferred)) {
		t.Fatalf("%d queue-full lines, want one with deferred=%d:\n%s", got, inv.Deferred, out)
	}
}

// TestFullQueueOnStaleRequestsLogsOnce: stale requests that find the
// queue full are reported in one line, not one per request.
func TestFullQueueOnStaleRequestsLogsOnce(t *testing.T) {
	t.Parallel()
	const pages = 50
	c := &catalog{known: map[string]bool{}}
	for i := range pages {
		c.known[fmt.Sprint(i)] = true
	}
	var logs logBuffer
	e := newEngine(t, openStore(t, ""), isr.Options{Workers: 1, Queue: 1, EagerBudget: -1, Logger: logs.logger()})
	r, err := e.Register("/products/{slug}", c.render)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pages {
		request(t, e, r, fmt.Sprint(i))
	}
	e.WaitWrites()
	gate := make(chan struct{})
	c.gate = gate // the worker holds its first job: the queue stays full
	t.Cleanup(func() { close(gate) })
	if _, err := e.RevalidateTags(context.Background(), []string{"product-list"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 3 {
		for i := range pages {
			request(t, e, r, fmt.Sprint(i))
		}
	}
	// At most one line a second, with the count of the deferred requests.
	limit := 1 + int(time.Since(start)/time.Second)
	if got := strings.Count(logs.String(), "queue full"); got < 1 || got > limit {
		t.Fatalf("%d queue-full lines for %d stale requests, want 1 to %d:\n%s", got, 3*pages, limit, logs.String())
	}
}
