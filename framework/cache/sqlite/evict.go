package sqlite

import (
	"context"
	"database/sql"
)

// usage is what some entries hold, or, as a bound, may hold; a bound of
// 0 or less does not bind.
type usage struct {
	entries, bytes int64
}

// over reports whether u exceeds the bound b.
func (u usage) over(b usage) bool {
	return (b.entries > 0 && u.entries > b.entries) || (b.bytes > 0 && u.bytes > b.bytes)
}

const (
	totalsSQL = `SELECT t.entries, t.bytes, coalesce(r.entries, 0), coalesce(r.bytes, 0), coalesce(r.notfound, 0)
	FROM totals t LEFT JOIN route_totals r ON r.route = ?`
	// The orders below follow the LRU indexes: not-found entries first,
	// then by access time, so that a crawl of unknown slugs evicts its
	// own 404s before any real page.
	// Every build's rows count and compete alike.
	lruSQL = `SELECT a.key, a.build_id, e.size FROM access a JOIN entries e ON e.key = a.key AND e.build_id = a.build_id
	ORDER BY a.notfound DESC, a.at, a.key, a.build_id`
	routeLRUSQL = `SELECT a.key, a.build_id, e.size FROM access a JOIN entries e ON e.key = a.key AND e.build_id = a.build_id
	WHERE a.route = ? ORDER BY a.route, a.notfound DESC, a.at, a.key, a.build_id`
	notFoundLRUSQL = `SELECT a.key, a.build_id, 0 FROM access a
	WHERE a.route = ? AND a.notfound = 1 ORDER BY a.route, a.notfound DESC, a.at, a.key, a.build_id`
)

// evict deletes least recently accessed entries, with their tag index
// rows: the route's not-found entries while they are over their own
// bound (checked when the entry written, keep, is one: notFound), then
// entries of route while it is over its bound, then of the whole store
// while it is over its bound; not-found entries go first each time. The
// rows of every build count and compete alike. It runs inside the
// transaction of the Put that went over, so the bounds hold when Put
// returns and the eviction commits or rolls back with the write. keep,
// the row just written, is never a victim. It returns the victims' keys.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, keep rowID, route string, notFound bool) ([]string, error) {
	total, inRoute, nf, err := s.usage(ctx, tx, route)
	if err != nil {
		return nil, err
	}
	totalBound := usage{int64(s.opts.MaxEntries), s.opts.MaxBytes}
	routeBound := usage{int64(s.opts.MaxEntriesPerRoute), s.opts.MaxBytesPerRoute}
	nfBound := usage{entries: int64(s.opts.MaxNotFoundPerRoute)}
	nfOver := notFound && nf.over(nfBound)
	if !total.over(totalBound) && !inRoute.over(routeBound) && !nfOver {
		return nil, nil
	}
	// Reads recorded in memory decide the order too. If the transaction
	// rolls back they are lost, which only makes those entries look older.
	if err := s.touch(ctx, tx, s.access.drain()); err != nil {
		return nil, err
	}
	var victims []rowID
	if nfOver {
		if victims, err = s.lru(ctx, tx, keep, &nf, nfBound, notFoundLRUSQL, route); err != nil {
			return nil, err
		}
		if err := s.deleteRows(ctx, tx, victims); err != nil {
			return nil, err
		}
		if total, inRoute, _, err = s.usage(ctx, tx, route); err != nil {
			return nil, err
		}
	}
	if inRoute.over(routeBound) {
		more, err := s.lru(ctx, tx, keep, &inRoute, routeBound, routeLRUSQL, route)
		if err != nil {
			return nil, err
		}
		if err := s.deleteRows(ctx, tx, more); err != nil {
			return nil, err
		}
		victims = append(victims, more...)
		if total, _, _, err = s.usage(ctx, tx, route); err != nil {
			return nil, err
		}
	}
	if total.over(totalBound) {
		more, err := s.lru(ctx, tx, keep, &total, totalBound, lruSQL)
		if err != nil {
			return nil, err
		}
		if err := s.deleteRows(ctx, tx, more); err != nil {
			return nil, err
		}
		victims = append(victims, more...)
	}
	keys := make([]string, len(victims))
	for i, v := range victims {
		keys[i] = v.key
	}
	return keys, nil
}

// usage returns what the store and route hold, and the route's
// not-found entries (counted, not weighed), from the trigger-kept totals.
func (s *Store) usage(ctx context.Context, tx *sql.Tx, route string) (total, inRoute, notFound usage, err error) {
	err = tx.QueryRowContext(ctx, totalsSQL, route).Scan(&total.entries, &total.bytes, &inRoute.entries, &inRoute.bytes, &notFound.entries)
	return total, inRoute, notFound, err
}

// lru returns the least recently accessed rows of query's (key, build,
// size) rows, except keep, taking them off u until u is within bound.
func (s *Store) lru(ctx context.Context, tx *sql.Tx, keep rowID, u *usage, bound usage, query string, args ...any) ([]rowID, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var victims []rowID
	for u.over(bound) && rows.Next() {
		var r rowID
		var size int64
		if err := rows.Scan(&r.key, &r.build, &size); err != nil {
			return nil, err
		}
		if r == keep {
			continue
		}
		victims = append(victims, r)
		u.entries--
		u.bytes -= size
	}
	return victims, rows.Err()
}
