package isr

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// hitCount counts requests of a recently requested key, and remembers
// the status last served for it.
type hitCount struct {
	n      atomic.Int64
	status atomic.Int32
}

// touch remembers that key was requested, for eager regeneration.
func (e *Engine) touch(key string) *hitCount {
	if h, ok := e.recent.GetIfPresent(key); ok {
		h.n.Add(1)
		return h
	}
	h := &hitCount{}
	h.n.Store(1)
	e.recent.Set(key, h)
	return h
}

// saw records the status of ent, served for h's key (nil: none).
func (h *hitCount) saw(ent *cache.Entry) {
	if ent != nil {
		h.status.Store(int32(ent.Status))
	}
}

// Invalidation is what an invalidation covered.
type Invalidation struct {
	// Entries is the number of cached entries covered.
	Entries int
	// Scheduled is how many of them were queued for eager regeneration.
	Scheduled int
	// Deferred is how many more were due for eager regeneration, within
	// the budget, but found the queue full: they regenerate on their next
	// request.
	Deferred int
}

// RevalidateTags marks every entry carrying one of tags stale (mode
// cache.Stale) or expired (cache.Expire). Visitors of stale entries keep
// getting them while they regenerate; recently requested ones are queued for
// regeneration at once, most requested first, up to Options.EagerBudget
// and never those last served as a 404.
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
	keys := e.stampWrites(paths, tags, now, mode)
	merge := len(keys) > 0 || (len(tags) > 0 && len(paths) > 0)
	if len(tags) > 0 {
		k, err := e.store.InvalidateTags(ctx, tags, now, mode)
		if err != nil {
			return Invalidation{}, fmt.Errorf("isr revalidate tags: %w", err)
		}
		keys = append(keys, k...)
	}
	if len(paths) > 0 {
		k, err := e.store.InvalidatePaths(ctx, paths, now, mode)
		if err != nil {
			return Invalidation{}, fmt.Errorf("isr revalidate paths: %w", err)
		}
		keys = append(keys, k...)
	}
	if merge {
		slices.Sort(keys)
		keys = slices.Compact(keys)
	}
	if e.invObs != nil {
		e.invObs.Invalidated(paths, tags, mode)
	}
	inv := Invalidation{Entries: len(keys)}
	inv.Scheduled, inv.Deferred = e.eager(keys)
	if inv.Deferred > 0 {
		e.log.Warn("isr queue full; eager regeneration deferred to the next request",
			"entries", inv.Entries, "scheduled", inv.Scheduled, "deferred", inv.Deferred)
	}
	return inv, nil
}

// eager queues the recently requested keys among keys for regeneration,
// most requested first and at most Options.EagerBudget of them, and
// returns how many it queued and how many within the budget a full queue
// refused. A key last served as a 404 waits for its next request: a crawl
// of unknown URLs must not turn one invalidation into thousands of renders.
func (e *Engine) eager(keys []string) (scheduled, deferred int) {
	if e.opts.EagerBudget < 0 {
		return 0, 0
	}
	type hot struct {
		key  string
		hits int64
	}
	var hots []hot
	for _, k := range keys {
		if h, ok := e.recent.GetIfPresent(k); ok && h.status.Load() != statusNotFound {
			hots = append(hots, hot{k, h.n.Load()})
		}
	}
	slices.SortFunc(hots, func(a, b hot) int { return cmp.Compare(b.hits, a.hits) })
	for i, h := range hots {
		if scheduled == e.opts.EagerBudget {
			break
		}
		job, ok := e.resolve(h.key)
		if !ok {
			continue
		}
		switch e.schedule(job) {
		case queued:
			scheduled++
		case queueFull:
			// The queue drains no faster than the workers render: the rest
			// would find it full too.
			return scheduled, min(len(hots)-i, e.opts.EagerBudget-scheduled)
		}
	}
	return scheduled, 0
}
