package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// stamp is the latest invalidation of a tag or path in each mode, in Unix
// nanoseconds (0: none).
type stamp struct {
	revalidated, expired int64
}

// stampKey names a stamps row.
type stampKey struct {
	kind int
	name string
}

// stampSet mirrors the stamps table in memory, so that Get fills a
// Lookup's stamps with map lookups.
type stampSet struct {
	// writeMu orders this process's stamp writes with reloads from the
	// file: a reload that read the file before a local write committed
	// must not overwrite the write's newer stamp in memory.
	writeMu sync.Mutex
	mu      sync.RWMutex
	paths   map[string]stamp
	tags    map[string]stamp
	// pending holds the stamps of invalidations whose write failed (a
	// read-only or full disk, a lock held past the busy timeout). They
	// count for reads as if written, survive reloads from the file, and
	// are written again in the background until the write lands.
	pending map[stampKey]stamp
}

// max returns the later of st and o in each mode.
func (st stamp) max(o stamp) stamp {
	return stamp{revalidated: max(st.revalidated, o.revalidated), expired: max(st.expired, o.expired)}
}

// raise records st for name as the latest known, never lowering it;
// pending marks it as not yet written to the file.
func (ss *stampSet) raise(kind int, name string, st stamp, pending bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := ss.mapOf(kind)
	m[name] = m[name].max(st)
	if pending {
		if ss.pending == nil {
			ss.pending = make(map[stampKey]stamp)
		}
		k := stampKey{kind, name}
		ss.pending[k] = ss.pending[k].max(st)
	}
}

// mapOf returns the map of kind; the caller holds mu.
func (ss *stampSet) mapOf(kind int) map[string]stamp {
	if kind == stampPath {
		return ss.paths
	}
	return ss.tags
}

// pendingCopy returns the stamps not yet written.
func (ss *stampSet) pendingCopy() map[stampKey]stamp {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	if len(ss.pending) == 0 {
		return nil
	}
	return maps.Clone(ss.pending)
}

// written forgets the pending stamps of written that were written, unless
// a later failure raised them again meanwhile.
func (ss *stampSet) written(written map[stampKey]stamp) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, st := range written {
		if ss.pending[k] == st {
			delete(ss.pending, k)
		}
	}
}

// pendingOf returns the pending stamps covering e (zero when none).
func (ss *stampSet) pendingOf(e *cache.Entry) cache.Stamp {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	if len(ss.pending) == 0 {
		return cache.Stamp{}
	}
	return cache.Covering(e,
		func(name string) cache.Stamp { return ss.pending[stampKey{stampPath, name}].times() },
		func(name string) cache.Stamp { return ss.pending[stampKey{stampTag, name}].times() })
}

// of returns the stamps covering e.
func (ss *stampSet) of(e *cache.Entry) cache.Stamp {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	return cache.Covering(e, ss.path, ss.tag)
}

// path and tag look up one stamp; the caller holds mu.
func (ss *stampSet) path(name string) cache.Stamp { return ss.paths[name].times() }
func (ss *stampSet) tag(name string) cache.Stamp  { return ss.tags[name].times() }

// times returns st as the cache package has it.
func (st stamp) times() cache.Stamp {
	return cache.Stamp{RevalidatedAt: unixTime(st.revalidated), ExpiredAt: unixTime(st.expired)}
}

// set records stamps read from the file; a missing row is a zero stamp.
func (ss *stampSet) set(kind int, name string, st stamp) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := ss.mapOf(kind)
	st = st.max(ss.pending[stampKey{kind, name}])
	if st == (stamp{}) {
		delete(m, name)
	} else {
		m[name] = st
	}
}

// reset forgets every stamp, pending ones too (Clear wrote over them).
func (ss *stampSet) reset() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.paths, ss.tags, ss.pending = make(map[string]stamp), make(map[string]stamp), nil
}

// querier is what reload needs of a connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reload reads the stamps named by keys from the file, or all of them
// when keys is nil.
func (ss *stampSet) reload(ctx context.Context, q querier, keys []stampKey) error {
	ss.writeMu.Lock()
	defer ss.writeMu.Unlock()
	if keys != nil {
		for _, k := range keys {
			var st stamp
			err := q.QueryRowContext(ctx, "SELECT revalidated_at, expired_at FROM stamps WHERE kind = ? AND name = ?",
				k.kind, k.name).Scan(&st.revalidated, &st.expired)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read stamp %s: %w", k.name, err)
			}
			ss.set(k.kind, k.name, st)
		}
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT kind, name, revalidated_at, expired_at FROM stamps")
	if err != nil {
		return fmt.Errorf("read stamps: %w", err)
	}
	defer rows.Close()
	paths, tags := make(map[string]stamp), make(map[string]stamp)
	for rows.Next() {
		var k stampKey
		var st stamp
		if err := rows.Scan(&k.kind, &k.name, &st.revalidated, &st.expired); err != nil {
			return fmt.Errorf("read stamps: %w", err)
		}
		if k.kind == stampPath {
			paths[k.name] = st
		} else {
			tags[k.name] = st
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read stamps: %w", err)
	}
	ss.mu.Lock()
	for k, st := range ss.pending {
		m := tags
		if k.kind == stampPath {
			m = paths
		}
		m[k.name] = m[k.name].max(st)
	}
	ss.paths, ss.tags = paths, tags
	ss.mu.Unlock()
	return nil
}

// stampSQL raises a stamp, never lowering it, and returns the result.
const stampSQL = `INSERT INTO stamps (kind, name, revalidated_at, expired_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (kind, name) DO UPDATE SET
	revalidated_at = max(revalidated_at, excluded.revalidated_at),
	expired_at = max(expired_at, excluded.expired_at)
	RETURNING revalidated_at, expired_at`

// InvalidateTags stamps each tag with one row write, however many entries
// carry it, and returns those entries' keys from the tag index. Stamps
// are not per build: they cover every build's rows.
func (s *Store) InvalidateTags(ctx context.Context, tags []string, at time.Time, m cache.Mode) ([]string, error) {
	keys, err := s.invalidate(ctx, stampTag, tags, at, m, func(q querier, tag string) (*sql.Rows, error) {
		return q.QueryContext(ctx, "SELECT DISTINCT key FROM entry_tags WHERE tag = ?", tag)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite invalidate tags %q: %w", tags, err)
	}
	return keys, nil
}

// InvalidatePaths stamps each path with one row write and returns the
// keys whose path is one of them: the path itself and the path followed
// by a query, two ranges of the primary key.
func (s *Store) InvalidatePaths(ctx context.Context, paths []string, at time.Time, m cache.Mode) ([]string, error) {
	keys, err := s.invalidate(ctx, stampPath, paths, at, m, func(q querier, path string) (*sql.Rows, error) {
		// '@' follows '?' in byte order: [path?, path@) holds exactly
		// the keys that start with "path?".
		return q.QueryContext(ctx, `SELECT key FROM entries WHERE key = ?1
			UNION SELECT key FROM entries WHERE key >= ?1 || '?' AND key < ?1 || '@'`, path)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite invalidate paths %q: %w", paths, err)
	}
	return keys, nil
}

// invalidate raises the stamps of names in one transaction, logs them
// for other processes, and collects the covered keys with covered.
//
// A write that fails does not lose the invalidation nor fail the caller
// (an action whose side effect has committed): the stamps are kept in
// memory, count for this process's reads at once, and are written again
// in the background until the write lands; the covered keys are then
// read outside the failed transaction.
func (s *Store) invalidate(ctx context.Context, kind int, names []string, at time.Time, m cache.Mode,
	covered func(q querier, name string) (*sql.Rows, error)) ([]string, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return nil, cerr
	}
	defer done()
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 0 {
		return nil, nil
	}
	var raised stamp
	if m == cache.Expire {
		raised.expired = unixNano(at)
	} else {
		raised.revalidated = unixNano(at)
	}
	change := changeTag
	if kind == stampPath {
		change = changePath
	}
	s.stamps.writeMu.Lock()
	defer s.stamps.writeMu.Unlock()
	var keys []string
	stamps := make([]stamp, len(names))
	err := s.writeTxWithin(ctx, requestWriteWait, func(tx *sql.Tx) error {
		keys = keys[:0]
		for i, name := range names {
			if err := tx.QueryRowContext(ctx, stampSQL, kind, name, raised.revalidated, raised.expired).Scan(&stamps[i].revalidated, &stamps[i].expired); err != nil {
				return err
			}
			if err := s.logChange(ctx, tx, change, name); err != nil {
				return err
			}
			var err error
			if keys, err = appendKeys(keys, covered, tx, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if s.closed.Load() {
			return nil, cache.ErrClosed
		}
		for _, name := range names {
			s.stamps.raise(kind, name, raised, true)
		}
		s.faults.failed("invalidations are kept in memory and written again until the write lands", err)
		keys = keys[:0]
		for _, name := range names {
			var rerr error
			if keys, rerr = appendKeys(keys, covered, s.read, name); rerr != nil {
				// The stamps apply to reads all the same; only the
				// eager regeneration of the covered pages is lost.
				s.log.Warn("gox cache: reading the keys an invalidation covers", "path", s.path, "name", name, "err", rerr)
				break
			}
		}
	} else {
		for i, name := range names {
			s.stamps.set(kind, name, stamps[i])
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// appendKeys appends the keys covered(q, name) returns to keys.
func appendKeys(keys []string, covered func(q querier, name string) (*sql.Rows, error), q querier, name string) ([]string, error) {
	rows, err := covered(q, name)
	if err != nil {
		return keys, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return keys, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// writePending writes the stamps whose write failed, in one transaction.
func (s *Store) writePending(ctx context.Context) error {
	s.stamps.writeMu.Lock()
	defer s.stamps.writeMu.Unlock()
	pending := s.stamps.pendingCopy()
	if len(pending) == 0 {
		return nil
	}
	// Bounded like an invalidation, which waits for writeMu meanwhile.
	err := s.writeTxWithin(ctx, requestWriteWait, func(tx *sql.Tx) error {
		for k, st := range pending {
			var got stamp
			if err := tx.QueryRowContext(ctx, stampSQL, k.kind, k.name, st.revalidated, st.expired).Scan(&got.revalidated, &got.expired); err != nil {
				return err
			}
			change := changeTag
			if k.kind == stampPath {
				change = changePath
			}
			if err := s.logChange(ctx, tx, change, k.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite write pending invalidations: %w", err)
	}
	s.stamps.written(pending)
	s.log.Info("gox cache: invalidations kept in memory are written", "path", s.path, "count", len(pending))
	return nil
}
