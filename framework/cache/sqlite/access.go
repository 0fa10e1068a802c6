package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// accessLog collects read times in memory until they are flushed to the
// file in one transaction, so that reads never write. LRU eviction
// flushes it first, so that victims are chosen by up-to-date times.
type accessLog struct {
	mu   sync.Mutex
	hot  []*hotEntry      // dirty memory-tier entries; the time is in the entry
	disk map[string]int64 // reads served from the file
	// spare is the drained hot slice, kept so that appends after a flush
	// reuse its array instead of allocating on the read path.
	spare []*hotEntry
}

// touchHot records a read of h at now. After the first read since the
// last flush it is an atomic load and store: no lock, no allocation.
func (a *accessLog) touchHot(h *hotEntry, now int64) {
	if now > h.accessed.Load() {
		h.accessed.Store(now)
	}
	if h.dirty.Load() || !h.dirty.CompareAndSwap(false, true) {
		return
	}
	a.mu.Lock()
	a.hot = append(a.hot, h)
	a.mu.Unlock()
}

// touchDisk records a read at now of key, which is not in the memory tier.
func (a *accessLog) touchDisk(key string, now int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disk == nil {
		a.disk = make(map[string]int64)
	}
	if now > a.disk[key] {
		a.disk[key] = now
	}
}

// drain returns the latest read time by key and empties the log.
func (a *accessLog) drain() map[string]int64 {
	a.mu.Lock()
	hot, times := a.hot, a.disk
	a.hot, a.disk, a.spare = a.spare[:0], nil, nil
	a.mu.Unlock()
	if times == nil {
		times = make(map[string]int64, len(hot))
	}
	for _, h := range hot {
		// Clear dirty before reading the time: a read in between queues
		// h again rather than being lost.
		h.dirty.Store(false)
		if t := h.accessed.Load(); t > times[h.e.Key] {
			times[h.e.Key] = t
		}
	}
	clear(hot) // let dropped entries be collected
	a.mu.Lock()
	a.spare = hot[:0]
	a.mu.Unlock()
	return times
}

// restore puts back times a failed flush could not write.
func (a *accessLog) restore(times map[string]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disk == nil {
		a.disk = make(map[string]int64, len(times))
	}
	for k, t := range times {
		a.disk[k] = max(a.disk[k], t)
	}
}

// reset forgets every recorded read.
func (a *accessLog) reset() {
	a.mu.Lock()
	hot := a.hot
	a.hot, a.disk, a.spare = nil, nil, nil
	a.mu.Unlock()
	for _, h := range hot {
		h.dirty.Store(false)
	}
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

// touch writes times in tx.
func (s *Store) touch(ctx context.Context, tx *sql.Tx, times map[string]int64) error {
	stmt := tx.StmtContext(ctx, s.stmts.touch)
	for k, t := range times {
		if _, err := stmt.ExecContext(ctx, k, t); err != nil {
			return err
		}
	}
	return nil
}
