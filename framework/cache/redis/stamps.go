package redis

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Kinds of stamps, as the scripts name their keys.
const (
	kindTag  = "t"
	kindPath = "p"
	kindAll  = "a" // the global stamp, which covers every entry
)

// InvalidateTags raises the stamp of each tag (one hash field write per
// tag, however many pages carry it) and returns the keys of up to
// Options.MaxCoveredKeys entries per tag, for eager regeneration.
//
// When Redis cannot be reached the invalidation is not lost and the call
// does not fail: it waits in the outbox, counts for this instance's reads
// at once, and is replayed when Redis is back; it then returns no keys
// (the memory tier drops the pages it holds under the tags itself).
func (s *Store) InvalidateTags(ctx context.Context, tags []string, at time.Time, m cache.Mode) ([]string, error) {
	return s.invalidate(ctx, kindTag, tags, at, m)
}

// InvalidatePaths is InvalidateTags for paths: a path's stamp covers the
// entries whose key has that path, whatever their query.
func (s *Store) InvalidatePaths(ctx context.Context, paths []string, at time.Time, m cache.Mode) ([]string, error) {
	return s.invalidate(ctx, kindPath, paths, at, m)
}

func (s *Store) invalidate(ctx context.Context, kind string, names []string, at time.Time, m cache.Mode) ([]string, error) {
	done, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 0 {
		return nil, nil
	}
	keys, err := s.runInvalidate(ctx, kind, names, at, m)
	if err != nil {
		s.queue(kind, names, at, m, err)
		return nil, nil
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// runInvalidate runs the invalidation script for names of kind.
func (s *Store) runInvalidate(ctx context.Context, kind string, names []string, at time.Time, m cache.Mode) ([]string, error) {
	args := []any{s.keys.base, s.origin, s.opts.StreamLength, kind, modeField(m), fmtTime(at), s.opts.MaxCoveredKeys, s.stampTTLMillis()}
	for _, n := range names {
		args = append(args, n)
	}
	var err error
	var keys []string
	if kind == kindAll {
		err = globalScript.Run(ctx, s.rdb, []string{s.keys.global()}, s.keys.base, s.origin, s.opts.StreamLength, modeField(m), fmtTime(at)).Err()
	} else {
		keys, err = invalidateScript.Run(ctx, s.rdb, []string{s.keys.stream()}, args...).StringSlice()
	}
	if err != nil {
		return nil, wrap("invalidate", names[0], err)
	}
	return keys, nil
}

// modeField is the stamp hash field of mode m.
func modeField(m cache.Mode) string {
	if m == cache.Expire {
		return "x"
	}
	return "r"
}

// queue keeps an invalidation that could not reach Redis, in memory and
// in the outbox file, until replay writes it.
func (s *Store) queue(kind string, names []string, at time.Time, m cache.Mode, cause error) {
	for _, n := range names {
		k := s.pending.raise(stampKey{kind, n}, at, m, s.opts.OutboxNames)
		if s.outbox == nil {
			continue
		}
		if err := s.outbox.add(k, s.pending.get(k)); err != nil {
			s.log.Warn("gox cache: writing an invalidation to the Redis outbox; it is kept in memory", "name", n, "err", err)
		}
	}
	// One line per outage, not one per invalidation.
	if s.queued.CompareAndSwap(false, true) {
		s.log.Warn("gox cache: Redis unreachable; invalidations wait in the outbox and are replayed when Redis is back",
			"names", len(names), "first", names[0], "err", cause)
	}
}

// stampKey names a tag's, a path's or the global stamp.
type stampKey struct {
	kind, name string
}

// pendingStamps are the invalidations not yet written to Redis. They count
// for this instance's reads as if written, so that a page fetched from
// Redis before the replay is not taken for fresh.
type pendingStamps struct {
	mu sync.RWMutex
	m  map[stampKey]cache.Stamp
}

// raise records an invalidation of k at at in mode m and returns the key
// it was recorded under: past bound names, the global stamp's.
func (p *pendingStamps) raise(k stampKey, at time.Time, m cache.Mode, bound int) stampKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[stampKey]cache.Stamp)
	}
	if _, ok := p.m[k]; !ok && len(p.m) >= bound {
		k = stampKey{kind: kindAll}
	}
	p.m[k] = p.m[k].Raise(at, m)
	return k
}

// get returns the pending stamp of k.
func (p *pendingStamps) get(k stampKey) cache.Stamp {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.m[k]
}

// load adds stamps read from the outbox file.
func (p *pendingStamps) load(stamps map[stampKey]cache.Stamp) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[stampKey]cache.Stamp)
	}
	for k, st := range stamps {
		p.m[k] = p.m[k].Max(st)
	}
}

// snapshot returns the pending stamps.
func (p *pendingStamps) snapshot() map[stampKey]cache.Stamp {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return maps.Clone(p.m)
}

// written forgets the stamps of snap that were written, unless raised
// again since.
func (p *pendingStamps) written(snap map[stampKey]cache.Stamp) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, st := range snap {
		if p.m[k] == st {
			delete(p.m, k)
		}
	}
}

// reset forgets every pending stamp (Clear wrote over them).
func (p *pendingStamps) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m = nil
}

// of returns the pending stamps covering e.
func (p *pendingStamps) of(e *cache.Entry) cache.Stamp {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.m) == 0 {
		return cache.Stamp{}
	}
	return p.m[stampKey{kind: kindAll}].Max(cache.Covering(e,
		func(name string) cache.Stamp { return p.m[stampKey{kindPath, name}] },
		func(name string) cache.Stamp { return p.m[stampKey{kindTag, name}] }))
}

// replay writes the pending stamps to Redis, oldest outage first, and
// reports whether it wrote any. A stamp raises Redis's only if newer, so a
// replay that runs twice does no harm.
func (s *Store) replay(ctx context.Context) (int, error) {
	snap := s.pending.snapshot()
	if len(snap) == 0 {
		return 0, nil
	}
	for k, st := range snap {
		for _, m := range []cache.Mode{cache.Stale, cache.Expire} {
			at := st.RevalidatedAt
			if m == cache.Expire {
				at = st.ExpiredAt
			}
			if at.IsZero() {
				continue
			}
			if _, err := s.runInvalidate(ctx, k.kind, []string{k.name}, at, m); err != nil {
				return 0, err
			}
		}
	}
	if s.outbox != nil {
		if err := s.outbox.remove(snap); err != nil {
			s.log.Warn("gox cache: clearing the Redis outbox; its invalidations are replayed again, which is harmless", "err", err)
		}
	}
	s.pending.written(snap)
	s.queued.Store(false)
	return len(snap), nil
}
