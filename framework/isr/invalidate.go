package isr

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// hitCount counts requests of a recently requested key.
type hitCount struct{ n atomic.Int64 }

// touch remembers that key was requested, for eager regeneration.
func (e *Engine) touch(key string) {
	if h, ok := e.recent.GetIfPresent(key); ok {
		h.n.Add(1)
		return
	}
	h := &hitCount{}
	h.n.Store(1)
	e.recent.Set(key, h)
}

// Invalidation is what an invalidation covered.
type Invalidation struct {
	// Entries is the number of cached entries covered.
	Entries int
	// Scheduled is how many of them were queued for eager regeneration.
	Scheduled int
}

// RevalidateTags marks every entry carrying one of tags stale (mode
// cache.Stale) or expired (cache.Expire). Visitors of stale entries keep
// getting them while they regenerate; recently requested ones are queued for
// regeneration at once, most requested first.
func (e *Engine) RevalidateTags(ctx context.Context, tags []string, mode cache.Mode) (Invalidation, error) {
	return e.Revalidate(ctx, nil, tags, mode)
}

// RevalidatePaths is RevalidateTags for paths: each covers the entries whose
// key has that path, whatever their query.
func (e *Engine) RevalidatePaths(ctx context.Context, paths []string, mode cache.Mode) (Invalidation, error) {
	return e.Revalidate(ctx, paths, nil, mode)
}

// Revalidate is RevalidatePaths and RevalidateTags in one: an entry that
// a path and a tag both cover counts, and regenerates, once.
func (e *Engine) Revalidate(ctx context.Context, paths, tags []string, mode cache.Mode) (Invalidation, error) {
	now := time.Now()
	var keys []string
	if len(tags) > 0 {
		k, err := e.store.InvalidateTags(ctx, tags, now, mode)
		if err != nil {
			return Invalidation{}, fmt.Errorf("isr revalidate tags: %w", err)
		}
		keys = k
	}
	if len(paths) > 0 {
		k, err := e.store.InvalidatePaths(ctx, paths, now, mode)
		if err != nil {
			return Invalidation{}, fmt.Errorf("isr revalidate paths: %w", err)
		}
		keys = append(keys, k...)
	}
	if len(tags) > 0 && len(paths) > 0 {
		slices.Sort(keys)
		keys = slices.Compact(keys)
	}
	return Invalidation{Entries: len(keys), Scheduled: e.eager(keys)}, nil
}

// eager queues the recently requested keys among keys for regeneration,
// most requested first, and returns how many it queued.
func (e *Engine) eager(keys []string) int {
	if e.opts.EagerBudget < 0 {
		return 0
	}
	type hot struct {
		key  string
		hits int64
	}
	var hots []hot
	for _, k := range keys {
		if h, ok := e.recent.GetIfPresent(k); ok {
			hots = append(hots, hot{k, h.n.Load()})
		}
	}
	slices.SortFunc(hots, func(a, b hot) int { return int(b.hits - a.hits) })
	n := 0
	for _, h := range hots {
		if n == e.opts.EagerBudget {
			break
		}
		job, ok := e.resolve(h.key)
		if ok && e.schedule(job) {
			n++
		}
	}
	return n
}
