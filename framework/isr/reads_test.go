package isr_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
)

// readCounter counts the reads of a store that is a Leaser and a
// Reloader, as a shared store is.
type readCounter struct {
	cache.Store
	cache.Leaser
	reads atomic.Int64
}

func (s *readCounter) Get(ctx context.Context, key string) (cache.Lookup, error) {
	s.reads.Add(1)
	return s.Store.Get(ctx, key)
}

func (s *readCounter) Reload(ctx context.Context, key string) (cache.Lookup, error) {
	s.reads.Add(1)
	return s.Store.Get(ctx, key)
}

// TestBackgroundRegenerationReadsOnce: a stale request reads the key once
// to serve it, and its background regeneration reads it once more, after
// taking the lease (another process may have regenerated it meanwhile),
// and never again before it renders.
func TestBackgroundRegenerationReadsOnce(t *testing.T) {
	t.Parallel()
	inner := openStore(t, "")
	st := &readCounter{Store: inner, Leaser: inner.(cache.Leaser)}
	e := newEngine(t, st, isr.Options{})
	p := &page{body: "v1", fresh: time.Millisecond}
	j := job(e, "/r", p)
	serve(t, e, j)
	e.WaitWrites()
	time.Sleep(5 * time.Millisecond) // stale now
	p.set(func(p *page) { p.body, p.fresh = "v2", time.Hour })
	p.renders.Store(0)
	st.reads.Store(0)

	if _, state := serve(t, e, j); state != isr.Stale {
		t.Fatalf("state = %s, want STALE", state)
	}
	eventually(t, "the regeneration", func() bool { return p.renders.Load() == 1 })
	e.WaitWrites()
	if got := st.reads.Load(); got != 2 {
		t.Errorf("store reads for a stale request and its regeneration = %d, want 2 (one to serve, one after the lease)", got)
	}
}
