package sqlite

import (
	"context"
	"database/sql"
)

// evict deletes least recently accessed entries, with their tag index
// rows, while the store is over MaxEntries or MaxBytes. It runs inside
// the transaction of the Put that went over, so the bound holds when Put
// returns and the eviction commits or rolls back with the write. keep, the
// key just written, is never a victim.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, keep string) ([]string, error) {
	maxEntries, maxBytes := int64(s.opts.MaxEntries), s.opts.MaxBytes
	if maxEntries <= 0 && maxBytes <= 0 {
		return nil, nil
	}
	var entries, bytes int64
	if err := tx.QueryRowContext(ctx, "SELECT entries, bytes FROM totals").Scan(&entries, &bytes); err != nil {
		return nil, err
	}
	over := func() bool {
		return (maxEntries > 0 && entries > maxEntries) || (maxBytes > 0 && bytes > maxBytes)
	}
	if !over() {
		return nil, nil
	}
	// Reads recorded in memory decide the order too. If the transaction
	// rolls back they are lost, which only makes those entries look older.
	if err := s.touch(ctx, tx, s.access.drain()); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT a.key, e.size FROM access a JOIN entries e ON e.key = a.key ORDER BY a.at, a.key")
	if err != nil {
		return nil, err
	}
	var victims []string
	for over() && rows.Next() {
		var key string
		var size int64
		if err := rows.Scan(&key, &size); err != nil {
			rows.Close()
			return nil, err
		}
		if key == keep {
			continue
		}
		victims = append(victims, key)
		entries--
		bytes -= size
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.deleteEntries(ctx, tx, victims); err != nil {
		return nil, err
	}
	return victims, nil
}
