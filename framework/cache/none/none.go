// Package none is a cache.Store that keeps nothing: every Get misses and
// every write is dropped. A server falls back to it when its cache file
// cannot be written at all (a read-only folder or file system), so that the
// site still serves, each request rendering (the ISR engine's single
// flight keeps that to one render per key at a time) rather than failing
// to start.
//
// Example:
//
//	st := none.New("the cache folder is read-only")
//	_, err := st.Get(ctx, "/") // cache.ErrNotFound
package none

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

var (
	_ cache.Store          = (*Store)(nil)
	_ cache.Lister         = (*Store)(nil)
	_ cache.HealthReporter = (*Store)(nil)
)

// Store keeps nothing. It is safe for concurrent use.
type Store struct {
	reason string
	closed atomic.Bool
}

// New returns a store that keeps nothing; reason says why the site runs
// without a cache, for Reason.
func New(reason string) *Store { return &Store{reason: reason} }

// Reason returns why the site runs without a cache.
func (s *Store) Reason() string { return s.reason }

func (s *Store) check() error {
	if s.closed.Load() {
		return cache.ErrClosed
	}
	return nil
}

// Get reports cache.ErrNotFound for every key.
func (s *Store) Get(context.Context, string) (cache.Lookup, error) {
	if err := s.check(); err != nil {
		return cache.Lookup{}, err
	}
	return cache.Lookup{}, cache.ErrNotFound
}

// Put checks e as every backend does, then drops it.
func (s *Store) Put(_ context.Context, e *cache.Entry) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := cache.Checked(e)
	return err
}

// SetMeta reports cache.ErrNotFound: there is no entry to update.
func (s *Store) SetMeta(context.Context, string, cache.Meta) error {
	if err := s.check(); err != nil {
		return err
	}
	return cache.ErrNotFound
}

// Delete has nothing to remove.
func (s *Store) Delete(context.Context, ...string) error { return s.check() }

// InvalidateTags covers no entry: none is kept, so none can be served
// from before the invalidation.
func (s *Store) InvalidateTags(context.Context, []string, time.Time, cache.Mode) ([]string, error) {
	return nil, s.check()
}

// InvalidatePaths covers no entry, as InvalidateTags.
func (s *Store) InvalidatePaths(context.Context, []string, time.Time, cache.Mode) ([]string, error) {
	return nil, s.check()
}

// List returns no entries.
func (s *Store) List(context.Context, cache.Filter) ([]cache.Info, error) { return nil, s.check() }

// Stats returns zero totals.
func (s *Store) Stats(context.Context) (cache.Stats, error) { return cache.Stats{}, s.check() }

// Clear has nothing to remove.
func (s *Store) Clear(context.Context) error { return s.check() }

// Close makes later calls return cache.ErrClosed.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// Health always reports that the site runs without a cache, and why.
func (s *Store) Health() error {
	if err := s.check(); err != nil {
		return err
	}
	return errors.New("no cache: " + s.reason)
}
