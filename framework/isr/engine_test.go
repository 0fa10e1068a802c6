package isr_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
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

// quiet discards the engine's logs in tests that provoke failures.
var quiet = slog.New(slog.DiscardHandler)

func openStore(t *testing.T, path string) cache.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "cache.db")
	}
	st, err := sqlite.Open(path, sqlite.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEngine(t *testing.T, st cache.Store, opts isr.Options) *isr.Engine {
	t.Helper()
	opts.Store = st
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if cs, ok := st.(cache.CounterStore); ok && opts.Observer == nil {
		opts.Observer = isr.NewCounter(cs, isr.CounterOptions{Logger: quiet})
	}
	e, err := isr.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// page is a render function that counts its calls and returns body.
type page struct {
	renders atomic.Int64
	mu      sync.Mutex
	body    string
	tags    []string
	fresh   time.Duration
	gate    chan struct{} // if set, renders wait for it to close
	fail    func() (isr.Result, error)
}

func (p *page) render(ctx context.Context, key route.Key, _ map[string]string) (isr.Result, error) {
	p.renders.Add(1)
	if p.gate != nil {
		<-p.gate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail()
	}
	return isr.Result{
		Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/html"}},
		Body: []byte(p.body + " " + string(key)), Tags: p.tags, Revalidate: p.fresh,
	}, nil
}

func (p *page) set(f func(p *page)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// testRoutes holds the route each engine registered for a path, so that a
// test can ask for a key's job again.
var testRoutes sync.Map // routeOf -> *isr.Route

type routeOf struct {
	e    *isr.Engine
	path string
}

// job returns the job of key on e, rendered by p: the first job of a path
// registers the path as a route of its own.
func job(e *isr.Engine, key string, p *page) isr.Job {
	k := route.Key(key)
	r, ok := testRoutes.Load(routeOf{e, k.Path()})
	if !ok {
		reg, err := e.Register(k.Path(), p.render)
		if err != nil {
			panic(err)
		}
		r, _ = testRoutes.LoadOrStore(routeOf{e, k.Path()}, reg)
	}
	return isr.Job{Route: r.(*isr.Route), Key: k}
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not seen within 5 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func serve(t *testing.T, e *isr.Engine, j isr.Job) (string, isr.State) {
	t.Helper()
	ent, st, err := e.Serve(context.Background(), j)
	if err != nil {
		t.Fatalf("serve %s: %v", j.Key, err)
	}
	return string(ent.Body), st
}

func TestMissStampedeRendersOnce(t *testing.T) {
	t.Parallel()
	e := newEngine(t, openStore(t, ""), isr.Options{})
	p := &page{body: "v1", gate: make(chan struct{})}
	j := job(e, "/p", p)
	const n = 1000
	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for range n {
		wg.Go(func() {
			b, _ := serve(t, e, j)
			bodies <- b
		})
	}
	eventually(t, "first render started", func() bool { return p.renders.Load() == 1 })
	close(p.gate)
	wg.Wait()
	close(bodies)
	for b := range bodies {
		if b != "v1 /p" {
			t.Fatalf("body = %q, want %q", b, "v1 /p")
		}
	}
	if got := p.renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1", got)
	}
}

func TestStaleStampedeServesAtOnceAndRegeneratesOnce(t *testing.T) {
	t.Parallel()
	e := newEngine(t, openStore(t, ""), isr.Options{})
	p := &page{body: "old", fresh: time.Millisecond}
	j := job(e, "/s", p)
	serve(t, e, j)
	time.Sleep(5 * time.Millisecond) // let the entry go stale
	p.set(func(p *page) { p.body, p.fresh, p.gate = "new", time.Hour, make(chan struct{}) })
	p.renders.Store(0)

	const n = 1000
	var wg sync.WaitGroup
	var stale atomic.Int64
	for range n {
		wg.Go(func() {
			b, st := serve(t, e, j)
			if b == "old /s" && st == isr.Stale {
				stale.Add(1)
			}
		})
	}
	// Every request returns while the one regeneration is still blocked.
	wg.Wait()
	if got := stale.Load(); got != n {
		t.Fatalf("stale answers with the old body = %d, want %d", got, n)
	}
	close(p.gate)
	eventually(t, "regenerated page served", func() bool { b, _ := serve(t, e, j); return b == "new /s" })
	if got := p.renders.Load(); got != 1 {
		t.Fatalf("regenerations = %d, want 1", got)
	}
	if _, st := serve(t, e, j); st != isr.Hit {
		t.Fatalf("state after regeneration = %s, want HIT", st)
	}
}

func TestInvalidationDuringRenderLeavesResultStale(t *testing.T) {
	t.Parallel()
	e := newEngine(t, openStore(t, ""), isr.Options{})
	p := &page{body: "v1", tags: []string{"t"}, gate: make(chan struct{})}
	j := job(e, "/inflight", p)
	done := make(chan struct{})
	go func() { defer close(done); serve(t, e, j) }()
	eventually(t, "render started", func() bool { return p.renders.Load() == 1 })
	if _, err := e.RevalidateTags(context.Background(), []string{"t"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	close(p.gate)
	<-done
	if _, st := serve(t, e, j); st != isr.Stale {
		t.Fatalf("state after an invalidation during its render = %s, want STALE", st)
	}
}

func TestNotStorableResultsStoreNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func() (isr.Result, error)
	}{
		{"error", func() (isr.Result, error) { return isr.Result{}, errors.New("db down") }},
		{"panic", func() (isr.Result, error) { panic("boom") }},
		{"status 500", func() (isr.Result, error) { return isr.Result{Status: 500, Body: []byte("x")}, nil }},
		{"status 204", func() (isr.Result, error) { return isr.Result{Status: 204}, nil }},
		{"empty body", func() (isr.Result, error) { return isr.Result{Status: 200}, nil }},
		{"set-cookie", func() (isr.Result, error) {
			return isr.Result{Status: 200, Body: []byte("x"), Header: http.Header{"Set-Cookie": {"a=b"}}}, nil
		}},
	}
	st := openStore(t, "")
	e := newEngine(t, st, isr.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "/bad/" + tt.name
			_, _, err := e.Serve(context.Background(), job(e, key, &page{fail: tt.fail}))
			if err == nil {
				t.Fatal("Serve succeeded, want an error")
			}
			if _, err := st.Get(context.Background(), key); !errors.Is(err, cache.ErrNotFound) {
				t.Fatalf("store after a failed render: err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestFailedRegenerationKeepsLastGoodAndBacksOff(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"error", "panic", "hang"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			st := openStore(t, "")
			// A retry base long enough that a loaded machine serves the 20
			// requests below inside the backoff.
			const retryBase = time.Second
			e := newEngine(t, st, isr.Options{RetryBase: retryBase, RenderTimeout: 100 * time.Millisecond})
			p := &page{body: "good", fresh: time.Millisecond}
			j := job(e, "/f", p)
			serve(t, e, j)
			hang := make(chan struct{})
			t.Cleanup(func() { close(hang) })
			p.set(func(p *page) {
				p.fail = func() (isr.Result, error) {
					switch mode {
					case "panic":
						panic("render exploded")
					case "hang":
						<-hang
					}
					return isr.Result{}, errors.New("upstream down")
				}
			})
			time.Sleep(2 * time.Millisecond)
			p.renders.Store(0)
			failedAfter := time.Now()
			b, s := serve(t, e, j)
			if b != "good /f" || s != isr.Stale {
				t.Fatalf("got %q %s, want the last good page STALE", b, s)
			}
			var ent *cache.Entry
			eventually(t, "failure recorded", func() bool {
				l, err := st.Get(context.Background(), "/f")
				ent = l.Entry
				return err == nil && ent.Failures == 1
			})
			if ent.LastError == "" || ent.RetryAt.Before(failedAfter.Add(retryBase)) {
				t.Fatalf("LastError %q RetryAt %v: want an error and a retry at least %v after the failure (%v)", ent.LastError, ent.RetryAt, retryBase, failedAfter)
			}
			// Inside the backoff, requests are served and render nothing.
			for range 20 {
				if b, _ := serve(t, e, j); b != "good /f" {
					t.Fatalf("body = %q during backoff", b)
				}
			}
			if got := p.renders.Load(); got != 1 {
				t.Fatalf("renders during backoff = %d, want 1", got)
			}
			// After it, one more try, which fails again and backs off longer.
			time.Sleep(time.Until(ent.RetryAt))
			serve(t, e, j)
			eventually(t, "second failure recorded", func() bool {
				l, err := st.Get(context.Background(), "/f")
				return err == nil && l.Entry.Failures == 2
			})
			if got := p.renders.Load(); got != 2 {
				t.Fatalf("renders = %d, want 2", got)
			}
		})
	}
}

func TestSameBytesRewriteOnlyFreshness(t *testing.T) {
	t.Parallel()
	st := openStore(t, "")
	e := newEngine(t, st, isr.Options{})
	p := &page{body: "same", fresh: time.Millisecond}
	j := job(e, "/same", p)
	serve(t, e, j)
	e.WaitWrites()
	l1, _ := st.Get(context.Background(), "/same")
	time.Sleep(2 * time.Millisecond)
	serve(t, e, j) // stale: regenerates with the same bytes
	eventually(t, "freshness refreshed", func() bool {
		l, err := st.Get(context.Background(), "/same")
		return err == nil && l.Entry.GeneratedAt.After(l1.Entry.GeneratedAt)
	})
	if err := e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts, err := st.(cache.CounterStore).Counters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := counts["/same"]
	if got.Writes != 1 || got.Regenerations != 2 || got.Misses != 1 || got.Stale != 1 {
		t.Fatalf("counters = %+v, want 1 write, 2 regenerations, 1 miss, 1 stale", got)
	}
}

// TestSameBytesNewHeader: a render of the same bytes with other headers
// stores its entry whole, with the new headers; with the same headers it
// refreshes the freshness only, though Encode adds fields of its own.
func TestSameBytesNewHeader(t *testing.T) {
	t.Parallel()
	encode := func(e *cache.Entry) {
		h := http.Header(e.Header).Clone()
		h.Set("Etag", `"`+strconv.FormatUint(e.Sum, 36)+`"`)
		e.Header = h
	}
	for _, tt := range []struct {
		name   string
		types  []string // the Content-Type of each render
		writes int64
	}{
		{"same header", []string{"text/csv", "text/csv"}, 1},
		{"new header", []string{"text/csv", "application/json"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t, "")
			e := newEngine(t, st, isr.Options{Encode: encode})
			var n atomic.Int64
			p := &page{fail: func() (isr.Result, error) {
				ct := tt.types[min(int(n.Add(1))-1, len(tt.types)-1)]
				return isr.Result{Status: http.StatusOK, Header: http.Header{"Content-Type": {ct}}, Body: []byte("same"), Revalidate: time.Millisecond}, nil
			}}
			j := job(e, "/h", p)
			serve(t, e, j)
			e.WaitWrites()
			time.Sleep(2 * time.Millisecond)
			serve(t, e, j) // stale: regenerates with the same bytes
			last := tt.types[len(tt.types)-1]
			eventually(t, "the second render stored", func() bool {
				l, err := st.Get(context.Background(), "/h")
				return err == nil && n.Load() >= 2 && http.Header(l.Entry.Header).Get("Content-Type") == last &&
					e.Pending() == 0
			})
			e.WaitWrites()
			if err := e.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			counts, err := st.(cache.CounterStore).Counters(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := counts["/h"].Writes; got != tt.writes {
				t.Fatalf("%d writes, want %d", got, tt.writes)
			}
		})
	}
}

func TestNotFoundIsCachedWithItsOwnRevalidate(t *testing.T) {
	t.Parallel()
	st := openStore(t, "")
	e := newEngine(t, st, isr.Options{NotFoundRevalidate: 42 * time.Second})
	p := &page{fail: func() (isr.Result, error) {
		return isr.Result{Status: http.StatusNotFound, Body: []byte("nope"), Revalidate: time.Hour}, nil
	}}
	j := job(e, "/missing", p)
	ent, _, err := e.Serve(context.Background(), j)
	if err != nil || ent.Status != http.StatusNotFound {
		t.Fatalf("Serve = %v, %v; want a 404 entry", ent, err)
	}
	if got := ent.FreshUntil.Sub(ent.GeneratedAt); got != 42*time.Second {
		t.Fatalf("404 freshness = %v, want 42s", got)
	}
	for range 10 {
		serve(t, e, j)
	}
	if got := p.renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1", got)
	}
}

func TestExpireWaitsForFreshRender(t *testing.T) {
	t.Parallel()
	e := newEngine(t, openStore(t, ""), isr.Options{EagerBudget: -1})
	p := &page{body: "v1", tags: []string{"product-1"}}
	j := job(e, "/x", p)
	serve(t, e, j)
	p.set(func(p *page) { p.body = "v2" })
	inv, err := e.RevalidateTags(context.Background(), []string{"product-1"}, cache.Expire)
	if err != nil || inv.Entries != 1 {
		t.Fatalf("RevalidateTags = %+v, %v; want 1 entry", inv, err)
	}
	// With no eager budget nothing regenerates at once: this request waits
	// for the fresh render.
	b, st := serve(t, e, j)
	if b != "v2 /x" || st != isr.Expired {
		t.Fatalf("after expire: %q %s, want %q EXPIRED", b, st, "v2 /x")
	}
	if got := p.renders.Load(); got != 2 {
		t.Fatalf("renders = %d, want 2", got)
	}
}

func TestExpiredFailingRenderBacksOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    func(hang <-chan struct{}) (isr.Result, error)
		wantErr string
	}{
		{"error", func(<-chan struct{}) (isr.Result, error) { return isr.Result{}, errors.New("upstream down") }, "upstream down"},
		{"panic", func(<-chan struct{}) (isr.Result, error) { panic("render exploded") }, "render exploded"},
		{"hang", func(hang <-chan struct{}) (isr.Result, error) { <-hang; return isr.Result{}, nil }, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := openStore(t, "")
			// A backoff far longer than the test, so no retry comes due by itself.
			// No eager regeneration: the requests below find the expired page.
			e := newEngine(t, st, isr.Options{RetryBase: time.Minute, RenderTimeout: 100 * time.Millisecond, EagerBudget: -1})
			p := &page{body: "good", tags: []string{"t"}}
			j := job(e, "/xf", p)
			serve(t, e, j)
			hang := make(chan struct{})
			t.Cleanup(func() { close(hang) })
			p.set(func(p *page) { p.fail = func() (isr.Result, error) { return tt.fail(hang) } })
			if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Expire); err != nil {
				t.Fatal(err)
			}
			p.renders.Store(0)
			const n = 20
			for i := range n {
				if b, s := serve(t, e, j); b != "good /xf" || s != isr.Stale {
					t.Fatalf("request %d: %q %s, want the last good page STALE", i, b, s)
				}
			}
			if got := p.renders.Load(); got != 1 {
				t.Fatalf("renders for %d requests while backing off = %d, want 1", n, got)
			}
			l, err := st.Get(ctx, "/xf")
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Entry; got.Failures != 1 || !strings.Contains(got.LastError, tt.wantErr) {
				t.Fatalf("entry Failures %d LastError %q, want 1 and %q", got.Failures, got.LastError, tt.wantErr)
			}
			// Requests answered from the backoff render nothing: they count
			// as stale serves, not misses.
			if err := e.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			counts, err := st.(cache.CounterStore).Counters(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := cache.Counters{Misses: 2, Stale: n, Regenerations: 2, Writes: 1, Failures: 1}
			if got := counts["/xf"]; got != want {
				t.Fatalf("counters = %+v, want %+v", got, want)
			}

			// Once the retry is due, concurrent requests share one more render.
			m := cache.Meta{GeneratedAt: l.Entry.GeneratedAt, FreshUntil: l.Entry.FreshUntil, BuildID: l.Entry.BuildID,
				LastError: l.Entry.LastError, Failures: l.Entry.Failures, RetryAt: time.Now().Add(-time.Second)}
			if err := st.SetMeta(ctx, "/xf", m); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var good atomic.Int64
			for range n {
				wg.Go(func() {
					if b, s := serve(t, e, j); b == "good /xf" && s == isr.Stale {
						good.Add(1)
					}
				})
			}
			wg.Wait()
			if got := good.Load(); got != n {
				t.Fatalf("last good page STALE for %d of %d requests", got, n)
			}
			if got := p.renders.Load(); got != 2 {
				t.Fatalf("renders after the retry came due = %d, want 2", got)
			}
			if l, err := st.Get(ctx, "/xf"); err != nil || l.Entry.Failures != 2 {
				t.Fatalf("after the retry: %v, err %v; want 2 failures", l.Entry, err)
			}
		})
	}
}

func TestRevalidateRegeneratesRecentPagesEagerly(t *testing.T) {
	t.Parallel()
	st := openStore(t, "")
	p := &page{body: "v1", tags: []string{"list"}}
	e := newEngine(t, st, isr.Options{})
	for _, k := range []string{"/a", "/b"} {
		serve(t, e, job(e, k, p))
	}
	p.set(func(p *page) { p.body = "v2" })
	inv, err := e.RevalidateTags(context.Background(), []string{"list"}, cache.Stale)
	if err != nil || inv.Entries != 2 || inv.Scheduled != 2 {
		t.Fatalf("RevalidateTags = %+v, %v; want 2 entries, 2 scheduled", inv, err)
	}
	// No request: the background regeneration alone brings the new body.
	for _, k := range []string{"/a", "/b"} {
		eventually(t, k+" regenerated", func() bool {
			l, err := st.Get(context.Background(), k)
			return err == nil && string(l.Entry.Body) == "v2 "+k
		})
	}
}

func TestNewBuildRegeneratesOldEntries(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cache.db")
	st := openStore(t, path)
	p := &page{body: "build1"}
	e1 := newEngine(t, st, isr.Options{BuildID: "1"})
	serve(t, e1, job(e1, "/b", p))
	e1.Close()
	e2 := newEngine(t, st, isr.Options{BuildID: "2"})
	p.set(func(p *page) { p.body = "build2" })
	if b, s := serve(t, e2, job(e2, "/b", p)); b != "build1 /b" || s != isr.Stale {
		t.Fatalf("first request of a new build: %q %s, want the old page STALE", b, s)
	}
	eventually(t, "regenerated by the new build", func() bool {
		b, _ := serve(t, e2, job(e2, "/b", p))
		return b == "build2 /b"
	})
}

func TestRegenerateForcesRender(t *testing.T) {
	t.Parallel()
	e := newEngine(t, openStore(t, ""), isr.Options{})
	p := &page{body: "v"}
	j := job(e, "/pre", p)
	for i := range 3 {
		if _, err := e.Regenerate(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		if got := p.renders.Load(); got != int64(i+1) {
			t.Fatalf("renders = %d, want %d", got, i+1)
		}
	}
	if _, s := serve(t, e, j); s != isr.Hit {
		t.Fatalf("state after prerender = %s, want HIT", s)
	}
}

func ExampleEngine_Serve() {
	st, _ := sqlite.Open(filepath.Join(exampleDir(), "cache.db"), sqlite.Options{})
	defer st.Close()
	eng, _ := isr.New(isr.Options{Store: st, Logger: quiet})
	defer eng.Close()
	render := func(ctx context.Context, key route.Key, _ map[string]string) (isr.Result, error) {
		return isr.Result{Status: 200, Body: []byte("<h1>" + key.Path() + "</h1>"), Revalidate: time.Minute}, nil
	}
	hello, _ := eng.Register("/hello", render)
	j := isr.Job{Route: hello, Key: "/hello"}
	for range 2 {
		ent, state, _ := eng.Serve(context.Background(), j)
		fmt.Println(state, string(ent.Body))
	}
	// Output:
	// MISS <h1>/hello</h1>
	// HIT <h1>/hello</h1>
}
