package redis_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/redis/redistest"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/server"
)

// The tests in this file run two instances of one app, A and B, on one
// Redis, the way two hosts behind a load balancer do: each its own
// server.App, Redis client, memory tier and HTTP server on 127.0.0.1, in
// this process (so their renders can be counted and held), and for the
// test that kills an instance, A in a process of its own.

// instance is one app instance.
type instance struct {
	name     string
	fix      *testapp.Fixture
	store    *redis.Store
	app      *server.App
	url      string
	requests atomic.Int64 // requests that reached the instance
}

// newInstance starts an instance of the test app on srv under prefix.
func newInstance(t *testing.T, srv *redistest.Server, prefix, name string, eng isr.Options) *instance {
	return newBuildInstance(t, srv, prefix, name, "", eng)
}

// newBuildInstance starts an instance of build of the test app.
func newBuildInstance(t *testing.T, srv *redistest.Server, prefix, name, build string, eng isr.Options) *instance {
	t.Helper()
	in := &instance{name: name, fix: testapp.New()}
	in.store = open(t, srv, redis.Options{Prefix: prefix, BuildID: build, BreakerOpen: 200 * time.Millisecond})
	tier, err := tiered.New(in.store, tiered.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	in.app, err = server.New(in.fix.Routes(), server.Config{Store: tier, BuildID: build, Logger: quiet, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.requests.Add(1)
		in.app.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); in.app.Close(); tier.Close() })
	in.url = hs.URL
	return in
}

var client = &http.Client{Timeout: 20 * time.Second}

// get requests path and returns the response's cache state and body.
func (in *instance) get(t testing.TB, path string) (state, body string) {
	t.Helper()
	resp, err := client.Get(in.url + path)
	if err != nil {
		t.Fatalf("%s GET %s: %v", in.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s GET %s: %d %v, want 200", in.name, path, resp.StatusCode, err)
	}
	return resp.Header.Get("X-Gox-Cache"), string(b)
}

func stock(n int) string { return fmt.Sprintf(`<p id="stock">%d</p>`, n) }

// TestTwoInstancesRenderAColdPageOnce: 100 concurrent requests for a page
// nothing has rendered, split between two instances, render it once; the
// render is held until both instances have all their requests.
func TestTwoInstancesRenderAColdPageOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newInstance(t, srv, "cold", "A", isr.Options{})
	b := newInstance(t, srv, "cold", "B", isr.Options{})
	gate := make(chan struct{})
	a.fix.SetGate(gate)
	b.fix.SetGate(gate)
	var wg sync.WaitGroup
	bodies := make(chan string, 100)
	for i := range 100 {
		in := []*instance{a, b}[i%2]
		wg.Go(func() {
			_, body := in.get(t, "/products/1")
			bodies <- body
		})
	}
	eventually(t, "all requests arrived", func() bool { return a.requests.Load() == 50 && b.requests.Load() == 50 })
	time.Sleep(50 * time.Millisecond) // and reached the engine
	close(gate)
	wg.Wait()
	close(bodies)
	for body := range bodies {
		if !strings.Contains(body, stock(10)) {
			t.Fatalf("a response lacks the page: %q", body)
		}
	}
	if got := a.fix.Renders.Load() + b.fix.Renders.Load(); got != 1 {
		t.Fatalf("renders across both instances = %d (A %d, B %d), want 1", got, a.fix.Renders.Load(), b.fix.Renders.Load())
	}
}

// TestStalePageRegeneratesOnceAcrossInstances: a page revalidated on A is
// regenerated once in all: B serves it stale and leaves the render to the
// instance holding the lease.
func TestStalePageRegeneratesOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newInstance(t, srv, "stale", "A", isr.Options{})
	b := newInstance(t, srv, "stale", "B", isr.Options{})
	a.get(t, "/products/1")
	a.app.Engine().WaitWrites()
	if state, _ := b.get(t, "/products/1"); state != "HIT" {
		t.Fatalf("B after A rendered: %s, want HIT", state)
	}
	gate := make(chan struct{})
	a.fix.SetGate(gate)
	b.fix.SetGate(gate)
	a.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 7})
	b.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 7})
	if _, err := a.app.Revalidate(context.Background(), nil, []string{"product-1"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	// A regenerates eagerly and holds the render at the gate.
	eventually(t, "A's regeneration started", func() bool { return a.fix.Renders.Load() == 2 })
	eventually(t, "B served the page stale", func() bool { state, _ := b.get(t, "/products/1"); return state == "STALE" })
	for range 10 {
		a.get(t, "/products/1")
		b.get(t, "/products/1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n := b.app.Engine().Drain(ctx); n != 0 {
		t.Fatalf("B's regenerations still queued after 10 s: %d", n)
	}
	close(gate)
	eventually(t, "both serve the new page", func() bool {
		sa, ba := a.get(t, "/products/1")
		sb, bb := b.get(t, "/products/1")
		return sa == "HIT" && sb == "HIT" && strings.Contains(ba, stock(7)) && strings.Contains(bb, stock(7))
	})
	if a.fix.Renders.Load() != 2 || b.fix.Renders.Load() != 0 {
		t.Fatalf("renders: A %d, B %d; want A 2 (first and regeneration), B 0", a.fix.Renders.Load(), b.fix.Renders.Load())
	}
}

// TestRevalidationOnASeenOnB: B serves the page from its memory tier; a
// tag revalidated on A reaches B through the change stream within the
// bound: stale, B serves the old page STALE and then the new one; expired,
// B's next request waits for the new one.
func TestRevalidationOnASeenOnB(t *testing.T) {
	t.Parallel()
	for _, mode := range []cache.Mode{cache.Stale, cache.Expire} {
		t.Run(map[cache.Mode]string{cache.Stale: "stale", cache.Expire: "expire"}[mode], func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			a := newInstance(t, srv, "seen", "A", isr.Options{})
			b := newInstance(t, srv, "seen", "B", isr.Options{})
			b.get(t, "/products/1")
			b.app.Engine().WaitWrites()
			a.get(t, "/products/1")
			if state, _ := b.get(t, "/products/1"); state != "HIT" {
				t.Fatalf("B before: %s, want HIT", state)
			}
			a.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 3})
			b.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 3})
			if _, err := a.app.Revalidate(context.Background(), nil, []string{"product-1"}, mode); err != nil {
				t.Fatal(err)
			}
			states := map[string]bool{}
			eventually(t, "B serves the new page", func() bool {
				state, body := b.get(t, "/products/1")
				states[state] = true
				if state == "HIT" && strings.Contains(body, stock(10)) {
					return false // the old page, as fresh: not seen yet
				}
				if mode == cache.Expire && strings.Contains(body, stock(10)) {
					t.Fatalf("B served the expired page (%s)", state)
				}
				return strings.Contains(body, stock(3))
			})
			t.Logf("B's states until it served the new page: %v", states)
		})
	}
}

// TestInvalidationDuringASlowRenderLeavesItStale: B revalidates a tag
// while A renders a page carrying it; the page A stores started before
// the invalidation, so both instances serve it stale next.
func TestInvalidationDuringASlowRenderLeavesItStale(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newInstance(t, srv, "slow", "A", isr.Options{})
	b := newInstance(t, srv, "slow", "B", isr.Options{})
	gate := make(chan struct{})
	a.fix.SetGate(gate)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if state, _ := a.get(t, "/products/2"); state != "MISS" {
			t.Errorf("A's first request: %s, want MISS", state)
		}
	}()
	eventually(t, "A's render started", func() bool { return a.fix.Renders.Load() == 1 })
	if _, err := b.app.Revalidate(context.Background(), nil, []string{"product-2"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	close(gate)
	<-done
	a.app.Engine().WaitWrites()
	a.fix.SetGate(make(chan struct{})) // hold the regeneration, so STALE stays visible
	for _, in := range []*instance{b, a} {
		if state, _ := in.get(t, "/products/2"); state != "STALE" {
			t.Errorf("%s after the slow render landed: %s, want STALE", in.name, state)
		}
	}
}

// TestRedisPausedInstancesAnswerAndConverge stops Redis (SIGSTOP) while
// both instances serve: every request is answered 200 (from the memory
// tier, or rendered uncached), an invalidation on A waits in A's outbox
// and A no longer serves the invalidated page as fresh; once Redis
// continues, the outbox is replayed and both instances serve the new page.
func TestRedisPausedInstancesAnswerAndConverge(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newInstance(t, srv, "pause", "A", isr.Options{})
	b := newInstance(t, srv, "pause", "B", isr.Options{})
	for _, in := range []*instance{a, b} {
		in.get(t, "/products/1")
		in.app.Engine().WaitWrites()
		in.get(t, "/products/1")
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	continued := false
	t.Cleanup(func() {
		if !continued {
			srv.Continue()
		}
	})
	for _, in := range []*instance{a, b} {
		if state, _ := in.get(t, "/products/1"); state != "HIT" {
			t.Errorf("%s while Redis is stopped: %s, want HIT from the memory tier", in.name, state)
		}
		for _, p := range []string{"/products/2", "/", "/products/2"} {
			in.get(t, p) // 200, rendered uncached
		}
	}
	a.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 4})
	b.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 4})
	if _, err := a.app.Revalidate(context.Background(), nil, []string{"product-1"}, cache.Stale); err != nil {
		t.Fatalf("revalidate while Redis is stopped: %v", err)
	}
	if state, body := a.get(t, "/products/1"); strings.Contains(body, stock(10)) && state == "HIT" {
		t.Errorf("A served the page it invalidated as fresh while Redis is stopped")
	}
	for range 5 {
		a.get(t, "/products/1")
		b.get(t, "/products/1")
	}
	if err := srv.Continue(); err != nil {
		t.Fatal(err)
	}
	continued = true
	eventually(t, "both instances serve the new page", func() bool {
		_, ba := a.get(t, "/products/1")
		_, bb := b.get(t, "/products/1")
		return strings.Contains(ba, stock(4)) && strings.Contains(bb, stock(4))
	})
	eventually(t, "A's outbox replayed", func() bool {
		v, err := srv.Client().HGet(context.Background(), "gox:{pause}:t:product-1", "r").Result()
		return err == nil && v != ""
	})
}

// TestTwoBuildsSideBySide: two builds of the app on one Redis (a rolling
// deploy across hosts) each serve and keep their own copy of a page; the
// new build starts from the old build's copy, served stale, and an
// invalidation on either covers both copies.
func TestTwoBuildsSideBySide(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	old := newBuildInstance(t, srv, "builds", "old", "release-1", isr.Options{})
	cur := newBuildInstance(t, srv, "builds", "new", "release-2", isr.Options{})
	old.get(t, "/products/1")
	old.app.Engine().WaitWrites()
	if state, _ := cur.get(t, "/products/1"); state != "STALE" {
		t.Fatalf("the new build's first request: %s, want STALE (the old build's copy)", state)
	}
	eventually(t, "the new build serves its own copy", func() bool { state, _ := cur.get(t, "/products/1"); return state == "HIT" })
	if state, _ := old.get(t, "/products/1"); state != "HIT" {
		t.Fatalf("the old build after the new one rendered: %s, want HIT of its own copy", state)
	}
	if old.fix.Renders.Load() != 1 || cur.fix.Renders.Load() != 1 {
		t.Fatalf("renders: old %d, new %d; want one each", old.fix.Renders.Load(), cur.fix.Renders.Load())
	}
	rows, err := srv.Client().Keys(context.Background(), "gox:{builds}:e:*").Result()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows in Redis = %q, %v; want one per build", rows, err)
	}
	old.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 5})
	cur.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 5})
	if _, err := cur.app.Revalidate(context.Background(), nil, []string{"product-1"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*instance{old, cur} {
		eventually(t, in.name+" serves the new stock", func() bool {
			_, body := in.get(t, "/products/1")
			return strings.Contains(body, stock(5))
		})
	}
}

// TestHelperInstance is instance A of TestKilledInstanceLeaseLapses, in a
// process of its own; it does nothing unless GOX_REDIS_HELPER is set. Its
// product renders never finish; it prints its URL and serves until killed.
func TestHelperInstance(t *testing.T) {
	addr := os.Getenv("GOX_REDIS_HELPER")
	if addr == "" {
		return
	}
	st, err := redis.Open(redis.Options{Client: (&redistest.Server{Network: "unix", Addr: addr}).Options(), Prefix: "killed", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	fix := testapp.New()
	fix.SetGate(make(chan struct{}))
	app, err := server.New(fix.Routes(), server.Config{Store: st, Logger: quiet,
		Engine: isr.Options{LeaseTTL: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	http.Serve(ln, app.Handler())
}

// TestKilledInstanceLeaseLapses: A (a process of its own) takes a cold
// page's lease and is killed mid-render; B, waiting for A's entry, takes
// the lease over once it lapses (B's own fallback would come only after a
// minute) and serves the page.
func TestKilledInstanceLeaseLapses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInstance$")
	cmd.Env = append(os.Environ(), "GOX_REDIS_HELPER="+srv.Addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	aURL := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() {
		if resp, err := client.Get(aURL + "/products/1"); err == nil {
			resp.Body.Close()
		}
	}()
	lease := "gox:{killed}:l:0:/products/1" // the lease of build "" on /products/1
	eventually(t, "A holds the lease", func() bool {
		n, _ := srv.Client().Exists(context.Background(), lease).Result()
		return n == 1
	})
	b := newInstance(t, srv, "killed", "B", isr.Options{LeaseWait: time.Minute})
	answered := make(chan string, 1)
	go func() {
		_, body := b.get(t, "/products/1")
		answered <- body
	}()
	time.Sleep(100 * time.Millisecond) // B is waiting for A
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-answered:
		if !strings.Contains(body, stock(10)) {
			t.Fatalf("B's answer lacks the page: %q", body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("B did not answer within 15 s of A's death")
	}
	if got := b.fix.Renders.Load(); got != 1 {
		t.Fatalf("B's renders = %d, want 1", got)
	}
}
