package isr_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/isr"
)

// recorder is an Observer that keeps every call.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) Served(route string, s isr.State) { r.add("served " + route + " " + string(s)) }
func (r *recorder) Regenerating(route, key string)   { r.add("regenerating " + route + " " + key) }
func (r *recorder) Stored(route, key string)         { r.add("stored " + route + " " + key) }
func (r *recorder) Failed(route, key string, err error) {
	r.add("failed " + route + " " + key + ": " + err.Error())
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func TestObserverSeesWhatTheEngineDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{}
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	e := newEngine(t, st, isr.Options{Observer: rec, RetryBase: time.Hour, EagerBudget: -1})
	p := &page{body: "v1", tags: []string{"t"}}
	j := job(e, "/o", p)

	serve(t, e, j) // miss: renders and stores
	e.WaitWrites()
	serve(t, e, j) // hit
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *page) { p.fail = func() (isr.Result, error) { return isr.Result{}, errors.New("down") } })
	serve(t, e, j) // expired: waits, fails, gets the last good page
	want := []string{
		"served /o MISS", "regenerating /o /o", "stored /o /o",
		"served /o HIT",
		"served /o EXPIRED", "regenerating /o /o", "failed /o /o: down", "served /o STALE",
	}
	if d := cmp.Diff(want, rec.take()); d != "" {
		t.Errorf("observer calls (-want +got):\n%s", d)
	}
}

// TestCounterFlushesPerRoute checks that the counting observer adds its
// counts to the store on Flush and on Close, and keeps them when the
// store refuses them.
func TestCounterFlushesPerRoute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	c := isr.NewCounter(st, isr.CounterOptions{FlushInterval: time.Hour})
	for range 3 {
		c.Served("/a", isr.Hit)
	}
	c.Served("/a", isr.Miss)
	c.Served("/a", isr.Expired)
	c.Served("/b/{id}", isr.Stale)
	c.Regenerating("/a", "/a")
	c.Stored("/a", "/a")
	c.Failed("/b/{id}", "/b/1", errors.New("x"))
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.Served("/a", isr.Hit)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := st.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cache.Counters{
		"/a":      {Hits: 4, Misses: 2, Regenerations: 1, Writes: 1},
		"/b/{id}": {Stale: 1, Failures: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("counters (-want +got):\n%s", d)
	}

	closed := memory.New()
	closed.Close()
	c = isr.NewCounter(closed, isr.CounterOptions{FlushInterval: time.Hour})
	c.Served("/a", isr.Hit)
	if err := c.Flush(ctx); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Flush to a closed store: error = %v, want ErrClosed", err)
	}
	if err := c.Close(); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Close kept no counts to flush again: error = %v, want ErrClosed", err)
	}
}

func TestCounterServedDoesNotAllocate(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	c := isr.NewCounter(st, isr.CounterOptions{})
	t.Cleanup(func() { c.Close() })
	c.Served("/a", isr.Hit)
	route := slices.Clone([]byte("/a"))
	name := string(route)
	if allocs := testing.AllocsPerRun(1000, func() { c.Served(name, isr.Hit) }); allocs != 0 {
		t.Errorf("Served: %v allocations per call, want 0", allocs)
	}
}
