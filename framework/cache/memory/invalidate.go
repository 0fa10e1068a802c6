package memory

import (
	"context"
	"slices"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// stampsOf returns the stamps covering e; the caller holds a lock.
func (s *Store) stampsOf(e *cache.Entry) cache.Stamp {
	return cache.Covering(e, s.pathStamp, s.tagStamp)
}

func (s *Store) pathStamp(name string) cache.Stamp { return s.paths[name] }
func (s *Store) tagStamp(name string) cache.Stamp  { return s.tags[name] }

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
		s.tags[t] = s.tags[t].Raise(at, m)
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
		s.paths[p] = s.paths[p].Raise(at, m)
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
