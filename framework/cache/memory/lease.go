package memory

import (
	"context"
	"maps"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// lease is who holds a key's regeneration lease, and until when.
type lease struct {
	owner string
	until time.Time
}

// Lease gives owner the lease on key for ttl when it is free, expired or
// already owner's.
func (s *Store) Lease(_ context.Context, key, owner string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, cache.ErrClosed
	}
	now := time.Now()
	if l, ok := s.leases[key]; ok && l.owner != owner && now.Before(l.until) {
		return false, nil
	}
	s.leases[key] = lease{owner: owner, until: now.Add(ttl)}
	return true, nil
}

// Release frees owner's lease on key; another owner's lease is kept.
func (s *Store) Release(_ context.Context, key, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	if l, ok := s.leases[key]; ok && l.owner == owner {
		delete(s.leases, key)
	}
	return nil
}

// AddCounters adds byRoute to the stored counters.
func (s *Store) AddCounters(_ context.Context, byRoute map[string]cache.Counters) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	for route, c := range byRoute {
		sum := s.counters[route]
		sum.Add(c)
		s.counters[route] = sum
	}
	return nil
}

// Counters returns a copy of the counters by route.
func (s *Store) Counters(context.Context) (map[string]cache.Counters, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, cache.ErrClosed
	}
	return maps.Clone(s.counters), nil
}
