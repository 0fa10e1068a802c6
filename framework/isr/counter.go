package isr

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// CounterOptions tune a Counter. Zero values take the defaults named.
type CounterOptions struct {
	// FlushInterval is how often the counts are added to the store
	// (default 250 ms, so that `gox cache stats` is current within a
	// second; a flush with nothing new writes nothing).
	FlushInterval time.Duration
	// Logger receives failed flushes (default slog.Default()).
	Logger *slog.Logger
}

// Counter is an Observer that counts requests, renders, writes and
// failures per route and adds them to a cache.CounterStore every
// FlushInterval and when it closes, so that `gox cache stats` can show each
// route's read/write ratio. Counting is an atomic add on the request path;
// persisting happens in the Counter's own goroutine.
type Counter struct {
	store cache.CounterStore
	opts  CounterOptions
	log   *slog.Logger

	// routes is copied on write: a request reads it with one atomic load
	// and a map lookup. Routes are few and known early.
	routes atomic.Pointer[map[string]*routeCounts]
	mu     sync.Mutex // serializes writers of routes

	closed atomic.Bool
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

var _ Observer = (*Counter)(nil)

// routeCounts are a route's counts since the last flush.
type routeCounts struct {
	hits, misses, stale, regenerations, writes, failures atomic.Int64
}

// NewCounter returns a Counter that flushes to store, and starts its
// flushes. Close it when done (an Engine closes its Observer).
func NewCounter(store cache.CounterStore, opts CounterOptions) *Counter {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 250 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Counter{store: store, opts: opts, log: opts.Logger}
	c.routes.Store(&map[string]*routeCounts{})
	ctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	c.wg.Go(func() { c.flushLoop(ctx) })
	return c
}

// of returns route's counts, creating them once.
func (c *Counter) of(route string) *routeCounts {
	if r, ok := (*c.routes.Load())[route]; ok {
		return r
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.routes.Load()
	if r, ok := old[route]; ok {
		return r
	}
	m := make(map[string]*routeCounts, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	r := &routeCounts{}
	m[route] = r
	c.routes.Store(&m)
	return r
}

// Served counts a hit, a stale serve or (Miss, Expired, ReadYourWrites) a
// miss.
func (c *Counter) Served(route string, s State) {
	r := c.of(route)
	switch s {
	case Hit:
		r.hits.Add(1)
	case Stale:
		r.stale.Add(1)
	case Miss, Expired, ReadYourWrites:
		r.misses.Add(1)
	}
}

// Regenerating counts a render.
func (c *Counter) Regenerating(route, _ string) { c.of(route).regenerations.Add(1) }

// Stored counts a write.
func (c *Counter) Stored(route, _ string) { c.of(route).writes.Add(1) }

// Failed counts a failed render.
func (c *Counter) Failed(route, _ string, _ error) { c.of(route).failures.Add(1) }

// take returns the counts added since the last take and resets them.
func (r *routeCounts) take() cache.Counters {
	return cache.Counters{
		Hits:          r.hits.Swap(0),
		Misses:        r.misses.Swap(0),
		Stale:         r.stale.Swap(0),
		Regenerations: r.regenerations.Swap(0),
		Writes:        r.writes.Swap(0),
		Failures:      r.failures.Swap(0),
	}
}

// put adds n back, when persisting the counts failed.
func (r *routeCounts) put(n cache.Counters) {
	r.hits.Add(n.Hits)
	r.misses.Add(n.Misses)
	r.stale.Add(n.Stale)
	r.regenerations.Add(n.Regenerations)
	r.writes.Add(n.Writes)
	r.failures.Add(n.Failures)
}

// Flush adds the counts gathered since the last flush to the store. On
// failure they are kept for the next flush.
func (c *Counter) Flush(ctx context.Context) error {
	routes := *c.routes.Load()
	delta := map[string]cache.Counters{}
	for name, r := range routes {
		if n := r.take(); n != (cache.Counters{}) {
			delta[name] = n
		}
	}
	if len(delta) == 0 {
		return nil
	}
	if err := c.store.AddCounters(ctx, delta); err != nil {
		for name, n := range delta {
			routes[name].put(n)
		}
		return fmt.Errorf("isr flush counters: %w", err)
	}
	return nil
}

func (c *Counter) flushLoop(ctx context.Context) {
	t := time.NewTicker(c.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("isr counters flush failed", "err", err)
			}
		}
	}
}

// Close stops the periodic flushes and flushes the last counts. It does
// not close the store; it may be called again.
func (c *Counter) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	c.stop()
	c.wg.Wait()
	return c.Flush(context.Background())
}
