package tiered

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Lease takes key's regeneration lease in the inner store when it is a
// cache.Leaser; otherwise the inner store serves one process, and the
// lease is kept in this Store's memory.
func (t *Store) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if t.closed.Load() {
		return false, cache.ErrClosed
	}
	if l, ok := t.inner.(cache.Leaser); ok {
		start := time.Now()
		held, err := l.Lease(ctx, key, owner, ttl)
		t.observe(opLease, start, err)
		return held, err
	}
	return t.leases.lease(key, owner, ttl), nil
}

// Release gives up owner's lease on key, where Lease took it.
func (t *Store) Release(ctx context.Context, key, owner string) error {
	if t.closed.Load() {
		return cache.ErrClosed
	}
	if l, ok := t.inner.(cache.Leaser); ok {
		start := time.Now()
		err := l.Release(ctx, key, owner)
		t.observe(opLease, start, err)
		return err
	}
	t.leases.release(key, owner)
	return nil
}

// List flushes read times to the inner store, so that AccessedAt is
// current, and lists its entries.
func (t *Store) List(ctx context.Context, f cache.Filter) ([]cache.Info, error) {
	l, err := t.lister("list")
	if err != nil {
		return nil, err
	}
	t.flushTouches(ctx)
	return l.List(ctx, f)
}

// Stats returns the inner store's totals.
func (t *Store) Stats(ctx context.Context) (cache.Stats, error) {
	l, err := t.lister("stats")
	if err != nil {
		return cache.Stats{}, err
	}
	return l.Stats(ctx)
}

// Clear empties the inner store and the tier.
func (t *Store) Clear(ctx context.Context) error {
	l, err := t.lister("clear")
	if err != nil {
		return err
	}
	err = l.Clear(ctx)
	t.dropAll()
	t.leases.clear()
	return err
}

// lister returns the inner store as a cache.Lister.
func (t *Store) lister(op string) (cache.Lister, error) {
	if t.closed.Load() {
		return nil, cache.ErrClosed
	}
	l, ok := t.inner.(cache.Lister)
	if !ok {
		return nil, unsupported(op, t.inner)
	}
	return l, nil
}

// AddCounters adds to the inner store's counters.
func (t *Store) AddCounters(ctx context.Context, byRoute map[string]cache.Counters) error {
	c, err := t.counterStore("add counters")
	if err != nil {
		return err
	}
	return c.AddCounters(ctx, byRoute)
}

// Counters returns the inner store's counters.
func (t *Store) Counters(ctx context.Context) (map[string]cache.Counters, error) {
	c, err := t.counterStore("counters")
	if err != nil {
		return nil, err
	}
	return c.Counters(ctx)
}

// counterStore returns the inner store as a cache.CounterStore.
func (t *Store) counterStore(op string) (cache.CounterStore, error) {
	if t.closed.Load() {
		return nil, cache.ErrClosed
	}
	c, ok := t.inner.(cache.CounterStore)
	if !ok {
		return nil, unsupported(op, t.inner)
	}
	return c, nil
}

// unsupported is the error of an optional method the inner store lacks.
func unsupported(op string, inner cache.Store) error {
	return fmt.Errorf("tiered %s: the inner store (%T) cannot: %w", op, inner, errors.ErrUnsupported)
}

// localLeases are the leases of a tier over a store that has none.
type localLeases struct {
	mu sync.Mutex
	m  map[string]localLease
}

type localLease struct {
	owner string
	until time.Time
}

func (l *localLeases) lease(key, owner string, ttl time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if cur, ok := l.m[key]; ok && cur.owner != owner && now.Before(cur.until) {
		return false
	}
	if l.m == nil {
		l.m = make(map[string]localLease)
	}
	l.m[key] = localLease{owner, now.Add(ttl)}
	return true
}

func (l *localLeases) release(key, owner string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.m[key]; ok && cur.owner == owner {
		delete(l.m, key)
	}
}

func (l *localLeases) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m = nil
}
