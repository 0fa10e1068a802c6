package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// accessLog collects read times in memory until they are flushed to the
// file in one transaction, so that reads never write. LRU eviction
// flushes it first, so that victims are chosen by up-to-date times.
type accessLog struct {
	mu    sync.Mutex
	times map[string]int64 // Unix ns of the latest read by key
}

// touch records a read of key at now.
func (a *accessLog) touch(key string, now int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.times == nil {
		a.times = make(map[string]int64)
	}
	if now > a.times[key] {
		a.times[key] = now
	}
}

// drain returns the latest read time by key and empties the log.
func (a *accessLog) drain() map[string]int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	times := a.times
	a.times = nil
	return times
}

// restore puts back times a failed flush could not write.
func (a *accessLog) restore(times map[string]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.times == nil {
		a.times = make(map[string]int64, len(times))
	}
	for k, t := range times {
		a.times[k] = max(a.times[k], t)
	}
}

// reset forgets every recorded read.
func (a *accessLog) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.times = nil
}

// Touch records reads a memory tier served on the store's behalf. It
// only merges them into the reads the store recorded itself, in memory:
// they reach the file with the next flush (about once a second), or
// first thing in an eviction, so that LRU order counts them.
func (s *Store) Touch(_ context.Context, readAt map[string]time.Time) error {
	if s.closed.Load() {
		return cache.ErrClosed
	}
	s.access.mu.Lock()
	defer s.access.mu.Unlock()
	if s.access.times == nil {
		s.access.times = make(map[string]int64, len(readAt))
	}
	for k, t := range readAt {
		s.access.times[k] = max(s.access.times[k], t.UnixNano())
	}
	return nil
}

// flushAccess writes the recorded read times to the file.
func (s *Store) flushAccess(ctx context.Context) error {
	times := s.access.drain()
	if len(times) == 0 {
		return nil
	}
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.touch(ctx, tx, times) }); err != nil {
		s.access.restore(times)
		return fmt.Errorf("sqlite flush access times: %w", err)
	}
	return nil
}

// touch writes times in tx, each on the row of its key that this handle
// reads.
func (s *Store) touch(ctx context.Context, tx *sql.Tx, times map[string]int64) error {
	stmt := tx.StmtContext(ctx, s.stmts.touch)
	for k, t := range times {
		if _, err := stmt.ExecContext(ctx, k, t, s.opts.BuildID); err != nil {
			return err
		}
	}
	return nil
}
