package memory

import (
	"context"
	"slices"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// stamp holds the latest invalidation of a tag or path in each mode, as
// Unix nanoseconds (0: none).
type stamp struct {
	revalidated, expired int64
}

// raise moves st's stamp for mode m up to at; an older stamp never
// replaces a newer one.
func (st stamp) raise(at int64, m cache.Mode) stamp {
	if m == cache.Expire {
		st.expired = max(st.expired, at)
	} else {
		st.revalidated = max(st.revalidated, at)
	}
	return st
}

// times returns the stamps as the Lookup fields want them.
func (st stamp) times() (revalidated, expired time.Time) {
	return unixTime(st.revalidated), unixTime(st.expired)
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// stampsOf returns the latest stamps over e's path and tags; the caller
// holds a lock.
func (s *Store) stampsOf(e *cache.Entry) stamp {
	st := s.paths[e.Path()]
	for _, t := range e.Tags {
		ts := s.tags[t]
		st.revalidated = max(st.revalidated, ts.revalidated)
		st.expired = max(st.expired, ts.expired)
	}
	return st
}

// InvalidateTags stamps tags and returns the keys of the entries carrying
// any of them.
func (s *Store) InvalidateTags(_ context.Context, tags []string, at time.Time, m cache.Mode) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, cache.ErrClosed
	}
	var keys []string
	for _, t := range tags {
		s.tags[t] = s.tags[t].raise(at.UnixNano(), m)
		for k := range s.byTag[t] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// InvalidatePaths stamps paths and returns the keys whose path is one of
// them.
func (s *Store) InvalidatePaths(_ context.Context, paths []string, at time.Time, m cache.Mode) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, cache.ErrClosed
	}
	want := make(map[string]bool, len(paths))
	for _, p := range paths {
		s.paths[p] = s.paths[p].raise(at.UnixNano(), m)
		want[p] = true
	}
	var keys []string
	if len(want) > 0 {
		for k := range s.entries {
			if want[cache.KeyPath(k)] {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys, nil
}
