package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// List returns the entries matching f, without bodies, ordered by key.
func (s *Store) List(_ context.Context, f cache.Filter) ([]cache.Info, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, cache.ErrClosed
	}
	var infos []cache.Info
	for k, r := range s.entries {
		e := r.e
		if !strings.HasPrefix(k, f.Prefix) || (f.Route != "" && e.Route != f.Route) {
			continue
		}
		if f.Tag != "" && !slices.Contains(e.Tags, f.Tag) {
			continue
		}
		in := cache.Info{
			Key:         k,
			Route:       e.Route,
			ETag:        e.ETag,
			BuildID:     e.BuildID,
			LastError:   e.LastError,
			Status:      e.Status,
			Size:        e.Size(),
			Tags:        slices.Clone(e.Tags),
			GeneratedAt: e.GeneratedAt,
			FreshUntil:  e.FreshUntil,
			AccessedAt:  time.Unix(0, r.accessed.Load()),
		}
		st := s.stampsOf(e)
		in.RevalidatedAt, in.ExpiredAt = st.RevalidatedAt, st.ExpiredAt
		infos = append(infos, in)
	}
	slices.SortFunc(infos, func(a, b cache.Info) int { return strings.Compare(a.Key, b.Key) })
	if f.Limit > 0 && len(infos) > f.Limit {
		infos = infos[:f.Limit]
	}
	return infos, nil
}

// Stats counts entries, their bytes and distinct tags.
func (s *Store) Stats(context.Context) (cache.Stats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return cache.Stats{}, cache.ErrClosed
	}
	st := cache.Stats{Entries: int64(len(s.entries)), Tags: int64(len(s.byTag))}
	for _, r := range s.entries {
		st.Bytes += r.e.Size()
	}
	return st, nil
}
