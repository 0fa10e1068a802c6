package isr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/isr"
)

// fullRecorder is a recorder that also takes the optional methods.
type fullRecorder struct {
	recorder
	mu      sync.Mutex
	renders []string
	flushed int
	closed  int
}

func (r *fullRecorder) Invalidated(paths, tags []string, mode cache.Mode) {
	r.add(fmt.Sprintf("invalidated %q %q %d", paths, tags, mode))
}

func (r *fullRecorder) Rendered(route string, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if took <= 0 {
		r.renders = append(r.renders, "no time")
	}
	r.renders = append(r.renders, fmt.Sprintf("%s %v", route, err))
}

func (r *fullRecorder) Flush(context.Context) error { r.flushed++; return nil }

func (r *fullRecorder) Close() error { r.closed++; return errors.New("closed " + fmt.Sprint(r.closed)) }

func TestObserversPassEveryCallToEach(t *testing.T) {
	t.Parallel()
	a, b, plain := &fullRecorder{}, &fullRecorder{}, &recorder{}
	if isr.Observers(nil, plain) != isr.Observer(plain) {
		t.Fatal("one observer left: not returned itself")
	}
	o := isr.Observers(a, nil, isr.Observers(b, plain))
	o.Served("/r", isr.Hit)
	o.Regenerating("/r", "/r?x")
	o.Stored("/r", "/r?x")
	o.Failed("/r", "/r?x", errors.New("e"))
	o.(isr.InvalidationObserver).Invalidated([]string{"/p"}, []string{"t"}, cache.Expire)
	o.(isr.RenderObserver).Rendered("/r", time.Millisecond, nil)
	if err := o.(interface{ Flush(context.Context) error }).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := o.(interface{ Close() error }).Close(); err == nil || !strings.Contains(err.Error(), "closed 1") {
		t.Fatalf("Close error %v, want both observers' errors", err)
	}
	want := []string{"served /r HIT", "regenerating /r /r?x", "stored /r /r?x", "failed /r /r?x: e", `invalidated ["/p"] ["t"] 1`}
	for name, r := range map[string]*fullRecorder{"a": a, "b": b} {
		if d := cmp.Diff(want, r.take()); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff([]string{"/r <nil>"}, r.renders); d != "" || r.flushed != 1 || r.closed != 1 {
			t.Errorf("%s: renders %q, flushed %d, closed %d", name, r.renders, r.flushed, r.closed)
		}
	}
	if d := cmp.Diff(want[:4], plain.take()); d != "" {
		t.Errorf("plain observer (-want +got):\n%s", d)
	}
}

func TestEngineReportsInvalidationsAndRenders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &fullRecorder{}
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	e := newEngine(t, st, isr.Options{Observer: rec, RetryBase: time.Hour, EagerBudget: -1})
	p := &page{body: "v1", tags: []string{"t"}}
	j := job(e, "/o", p)
	serve(t, e, j)
	e.WaitWrites()
	if _, err := e.Revalidate(ctx, []string{"/o"}, []string{"t", "u"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Refresh(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Regenerate(ctx, j); err != nil { // gox build: not an invalidation
		t.Fatal(err)
	}
	p.set(func(p *page) { p.fail = func() (isr.Result, error) { return isr.Result{}, errors.New("down") } })
	if _, err := e.Refresh(ctx, j); err == nil {
		t.Fatal("failing render refreshed")
	}
	var got []string
	for _, c := range rec.take() {
		if strings.HasPrefix(c, "invalidated") {
			got = append(got, c)
		}
	}
	want := []string{`invalidated ["/o"] ["t" "u"] 0`, `invalidated [] ["t"] 1`, `invalidated ["/o"] [] 0`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("invalidations (-want +got):\n%s", d)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if d := cmp.Diff([]string{"/o <nil>", "/o <nil>", "/o <nil>", "/o down"}, rec.renders); d != "" {
		t.Errorf("renders (-want +got):\n%s", d)
	}

	closed := memory.New()
	closed.Close()
	e2 := newEngine(t, closed, isr.Options{Observer: rec})
	if _, err := e2.RevalidateTags(ctx, []string{"t"}, cache.Stale); err == nil {
		t.Fatal("revalidation on a closed store succeeded")
	}
	if c := rec.take(); len(c) != 0 {
		t.Errorf("a failed invalidation was reported: %q", c)
	}
}

func TestFreshnessAndPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	e := newEngine(t, st, isr.Options{BuildID: "b1", EagerBudget: -1})
	gate := make(chan struct{})
	p := &page{body: "v1", tags: []string{"t"}}
	j := job(e, "/f", p)
	serve(t, e, j)
	e.WaitWrites()
	now := time.Now()
	state := func() isr.State {
		l, err := st.Get(ctx, "/f")
		if err != nil {
			t.Fatal(err)
		}
		return e.Freshness(l, now.Add(time.Second))
	}
	if s := state(); s != isr.Hit {
		t.Fatalf("fresh entry: %s", s)
	}
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != isr.Stale {
		t.Fatalf("revalidated entry: %s", s)
	}
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != isr.Expired {
		t.Fatalf("expired entry: %s", s)
	}
	other := newEngine(t, st, isr.Options{BuildID: "b2"})
	if l, _ := st.Get(ctx, "/f"); other.Freshness(l, now) == isr.Hit {
		t.Fatal("another build's entry is fresh")
	}
	if e.Pending() != 0 {
		t.Fatalf("Pending = %d before any regeneration", e.Pending())
	}
	p.set(func(p *page) { p.gate = gate })
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	// Expired waits for a render; the stale stamp is the latest only for
	// entries made after the expire one, so render once first.
	close(gate)
	serve(t, e, j)
	e.WaitWrites()
	gate2 := make(chan struct{})
	p.set(func(p *page) { p.gate = gate2 })
	if _, err := e.RevalidateTags(ctx, []string{"t"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	if _, s := serve(t, e, j); s != isr.Stale {
		t.Fatalf("served %s, want STALE", s)
	}
	eventually(t, "one regeneration pending", func() bool { return e.Pending() == 1 })
	close(gate2)
	eventually(t, "no regeneration pending", func() bool { return e.Pending() == 0 })
}
