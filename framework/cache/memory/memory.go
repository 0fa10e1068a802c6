// Package memory is a cache.Store that keeps everything in the memory of
// one process. gox uses it in development mode and in tests, where a page
// cache should vanish with the process; production uses package sqlite.
// It holds one entry per key: one process runs one build, and no other
// process shares its memory, so it has no rows of other builds to keep
// apart (a Put by another build replaces the entry).
//
// Example:
//
//	st := memory.New()
//	defer st.Close()
//	_ = st.Put(ctx, &cache.Entry{Key: "/", Route: "/", Status: 200, Body: html, GeneratedAt: time.Now()})
//	keys, _ := st.InvalidatePaths(ctx, []string{"/"}, time.Now(), cache.Stale)
package memory

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

var (
	_ cache.Store        = (*Store)(nil)
	_ cache.Leaser       = (*Store)(nil)
	_ cache.Lister       = (*Store)(nil)
	_ cache.CounterStore = (*Store)(nil)
)

// Store is an in-memory cache.Store, safe for concurrent use. Entries are
// shared with readers, never copied: Get returns the pointer Put stored.
type Store struct {
	mu       sync.RWMutex
	closed   bool
	entries  map[string]*record
	byTag    map[string]map[string]struct{} // tag -> keys
	tags     map[string]cache.Stamp         // invalidation stamps by tag
	paths    map[string]cache.Stamp         // invalidation stamps by path
	leases   map[string]lease
	counters map[string]cache.Counters
}

// record is a stored entry and when it was last read or written.
type record struct {
	e *cache.Entry
	// accessed is updated by readers holding only the read lock.
	accessed atomic.Int64
}

// New returns an empty store.
func New() *Store {
	s := &Store{}
	s.reset()
	return s
}

// reset drops all state; the caller holds the write lock.
func (s *Store) reset() {
	s.entries = make(map[string]*record)
	s.byTag = make(map[string]map[string]struct{})
	s.tags = make(map[string]cache.Stamp)
	s.paths = make(map[string]cache.Stamp)
	s.leases = make(map[string]lease)
	s.counters = make(map[string]cache.Counters)
}

// Get returns the stored entry for key and the stamps covering it.
func (s *Store) Get(_ context.Context, key string) (cache.Lookup, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return cache.Lookup{}, cache.ErrClosed
	}
	r, ok := s.entries[key]
	if !ok {
		return cache.Lookup{}, fmt.Errorf("memory get %s: %w", key, cache.ErrNotFound)
	}
	r.accessed.Store(time.Now().UnixNano())
	return cache.LookupOf(r.e, s.stampsOf(r.e)), nil
}

// Put stores e, replacing the entry with the same key and its tags. A zero
// Sum is filled in; a Sum that does not match Body is refused with
// cache.ErrCorrupt.
func (s *Store) Put(_ context.Context, e *cache.Entry) error {
	e, err := cache.Checked(e)
	if err != nil {
		return fmt.Errorf("memory put: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	s.remove(e.Key)
	r := &record{e: e}
	r.accessed.Store(time.Now().UnixNano())
	s.entries[e.Key] = r
	for _, t := range e.Tags {
		keys := s.byTag[t]
		if keys == nil {
			keys = make(map[string]struct{})
			s.byTag[t] = keys
		}
		keys[e.Key] = struct{}{}
	}
	return nil
}

// remove deletes key and its tag index rows; the caller holds the write lock.
func (s *Store) remove(key string) {
	r, ok := s.entries[key]
	if !ok {
		return
	}
	delete(s.entries, key)
	for _, t := range r.e.Tags {
		keys := s.byTag[t]
		delete(keys, key)
		if len(keys) == 0 {
			delete(s.byTag, t)
		}
	}
}

// SetMeta replaces the entry for key with a copy carrying m, so that
// readers holding the old entry never see it change. The entry must be
// build m.BuildID's, else cache.ErrNotFound: as in a store that keeps
// each build's rows, a build never changes another's page.
func (s *Store) SetMeta(_ context.Context, key string, m cache.Meta) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	r, ok := s.entries[key]
	if !ok || r.e.BuildID != m.BuildID {
		return fmt.Errorf("memory set meta %s: %w", key, cache.ErrNotFound)
	}
	c := *r.e
	c.GeneratedAt, c.FreshUntil = m.GeneratedAt, m.FreshUntil
	c.LastError, c.Failures, c.RetryAt = m.LastError, m.Failures, m.RetryAt
	nr := &record{e: &c}
	nr.accessed.Store(r.accessed.Load())
	s.entries[key] = nr
	return nil
}

// Delete removes the entries for keys.
func (s *Store) Delete(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	for _, k := range keys {
		s.remove(k)
	}
	return nil
}

// Clear removes every entry, stamp, lease and counter.
func (s *Store) Clear(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cache.ErrClosed
	}
	s.reset()
	return nil
}

// Close drops the store's contents; later calls return cache.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.reset()
	return nil
}
