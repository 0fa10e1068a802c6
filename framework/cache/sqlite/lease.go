package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// leaseSQL takes the lease only when it is free, expired (?4 is now) or
// already the owner's, in one statement: SQLite's write lock makes it
// atomic across processes, and changes() reports whether it took.
const leaseSQL = `INSERT INTO leases (key, build_id, owner, until) VALUES (?1, ?5, ?2, ?3)
	ON CONFLICT (key, build_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
	WHERE leases.owner = excluded.owner OR leases.until <= ?4`

// Lease takes or renews owner's regeneration lease on key for ttl; it
// reports whether owner holds it now. Processes of this handle's build
// sharing the file contend for the same leases; another build's lease on
// key is another lease, since each build regenerates its own row.
func (s *Store) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return false, cerr
	}
	defer done()
	now := time.Now()
	res, err := s.write.ExecContext(ctx, leaseSQL, key, owner, now.Add(ttl).UnixNano(), now.UnixNano(), s.opts.BuildID)
	if err != nil {
		s.damage(err)
		if ctx.Err() != nil || s.closed.Load() {
			return false, fmt.Errorf("sqlite lease %s: %w", key, err)
		}
		s.faults.failed("regeneration leases are taken in memory", err)
		return s.leases.lease(key, owner, now, ttl), nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite lease %s: %w", key, err)
	}
	return n == 1, nil
}

// Release gives up owner's lease on key; another owner's lease is kept.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	local := s.leases.release(key, owner)
	if _, err := s.write.ExecContext(ctx, "DELETE FROM leases WHERE key = ? AND build_id = ? AND owner = ?", key, s.opts.BuildID, owner); err != nil && !local {
		return fmt.Errorf("sqlite release %s: %w", key, err)
	}
	return nil
}

// AddCounters adds byRoute to the stored counters in one transaction.
func (s *Store) AddCounters(ctx context.Context, byRoute map[string]cache.Counters) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	if len(byRoute) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for route, c := range byRoute {
			_, err := tx.ExecContext(ctx, `INSERT INTO counters VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (route) DO UPDATE SET hits = hits + excluded.hits, misses = misses + excluded.misses,
				stale = stale + excluded.stale, regenerations = regenerations + excluded.regenerations,
				writes = writes + excluded.writes, failures = failures + excluded.failures`,
				route, c.Hits, c.Misses, c.Stale, c.Regenerations, c.Writes, c.Failures)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite add counters: %w", err)
	}
	return nil
}

// Counters returns the stored counters by route.
func (s *Store) Counters(ctx context.Context) (map[string]cache.Counters, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return nil, cerr
	}
	defer done()
	rows, err := s.read.QueryContext(ctx, "SELECT route, hits, misses, stale, regenerations, writes, failures FROM counters")
	if err != nil {
		return nil, fmt.Errorf("sqlite counters: %w", err)
	}
	defer rows.Close()
	byRoute := make(map[string]cache.Counters)
	for rows.Next() {
		var route string
		var c cache.Counters
		if err := rows.Scan(&route, &c.Hits, &c.Misses, &c.Stale, &c.Regenerations, &c.Writes, &c.Failures); err != nil {
			return nil, fmt.Errorf("sqlite counters: %w", err)
		}
		byRoute[route] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite counters: %w", err)
	}
	return byRoute, nil
}

// localLeases stand in for the file's leases while it cannot be written,
// so that a stale page still regenerates once in this process rather than
// never; no other process can take a lease in the file meanwhile either.
type localLeases struct {
	mu     sync.Mutex
	owners map[string]localLease
}

type localLease struct {
	owner string
	until time.Time
}

// lease takes or renews owner's lease on key, as leaseSQL does.
func (l *localLeases) lease(key, owner string, now time.Time, ttl time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.owners[key]; ok && cur.owner != owner && cur.until.After(now) {
		return false
	}
	if l.owners == nil {
		l.owners = make(map[string]localLease)
	}
	l.owners[key] = localLease{owner, now.Add(ttl)}
	return true
}

// release gives up owner's lease on key and reports whether it held one.
func (l *localLeases) release(key, owner string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.owners[key]; ok && cur.owner == owner {
		delete(l.owners, key)
		return true
	}
	return false
}
