package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Two builds of an app may share one file: a new build prerenders while
// the old one serves, or both serve during a rolling deploy. Each writes
// rows of its own (see Store.Put), so the file holds the rows of every
// build that ran lately. A running store says so in the builds table
// every seen interval; the rows of a build that nothing has said runs for
// Options.BuildRetention go, a batch at a time, never the running build's.

const (
	// seenInterval is how often a running store marks its build as seen,
	// at most: a quarter of the retention when that is shorter, so that a
	// running build is seen several times within any retention.
	seenInterval = time.Minute
	// seenMisses is how many of its own seen intervals a build must have
	// missed, besides the retention, before its rows go: a process
	// configured with a shorter retention than another's never removes
	// the other's rows while it runs.
	seenMisses = 3
	// buildBatch bounds the rows one transaction of a removal deletes, so
	// that removing a large build never holds the write lock for long.
	buildBatch = 500
)

// seenEvery returns how often this store marks its build as seen.
func (s *Store) seenEvery() time.Duration {
	every := seenInterval
	if r := s.opts.BuildRetention; r > 0 && r/4 < every {
		every = max(r/4, 10*time.Millisecond)
	}
	return every
}

// seeBuild records that a process of this store's build runs now. A
// store without a build keeps no build alive.
func (s *Store) seeBuild(ctx context.Context) error {
	if s.opts.BuildID == "" {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO builds (build_id, seen_at, every) VALUES (?, ?, ?)
			ON CONFLICT (build_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at), every = excluded.every`,
			s.opts.BuildID, time.Now().UnixNano(), int64(s.seenEvery()))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite mark build %s as running: %w", s.opts.BuildID, err)
	}
	return nil
}

// goneWhere selects the builds whose rows may go: not this store's (?1),
// seen before the retention (?2) and more than seenMisses of their own
// intervals before now (?3).
var goneWhere = fmt.Sprintf("build_id != ?1 AND seen_at < ?2 AND seen_at + %d * every < ?3", seenMisses)

// removeGoneBuilds deletes the rows of the builds no process has run for
// the retention, and then the builds themselves. A store without a build,
// or with a negative retention, removes nothing.
func (s *Store) removeGoneBuilds(ctx context.Context) error {
	if s.opts.BuildID == "" || s.opts.BuildRetention < 0 {
		return nil
	}
	now := time.Now()
	before := now.Add(-s.opts.BuildRetention).UnixNano()
	rows, err := s.read.QueryContext(ctx, "SELECT build_id FROM builds WHERE "+goneWhere, s.opts.BuildID, before, now.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite find builds to remove: %w", s.damage(err))
	}
	var gone []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite find builds to remove: %w", err)
		}
		gone = append(gone, b)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlite find builds to remove: %w", err)
	}
	for _, b := range gone {
		n, err := s.removeBuild(ctx, b, before, now.UnixNano())
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.Info("gox cache: removed the pages of a build no process has run for the retention",
				"path", s.path, "build", b, "entries", n, "retention", s.opts.BuildRetention)
		}
	}
	return nil
}

// removeBuild deletes build's rows a batch per transaction while the
// build is still gone (a process of it may start meanwhile), then the
// build; it returns how many rows it deleted.
func (s *Store) removeBuild(ctx context.Context, build string, before, now int64) (int, error) {
	total := 0
	for {
		var victims []rowID
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			victims = victims[:0]
			var still bool
			if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM builds WHERE build_id = ?4 AND "+goneWhere,
				s.opts.BuildID, before, now, build).Scan(&still); err != nil || !still {
				return err
			}
			rows, err := tx.QueryContext(ctx, "SELECT key FROM entries WHERE build_id = ? LIMIT ?", build, buildBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				r := rowID{build: build}
				if err := rows.Scan(&r.key); err != nil {
					rows.Close()
					return err
				}
				victims = append(victims, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := s.deleteRows(ctx, tx, victims); err != nil {
				return err
			}
			if len(victims) < buildBatch {
				_, err = tx.ExecContext(ctx, "DELETE FROM builds WHERE build_id = ?", build)
			}
			return err
		})
		if err != nil {
			return total, fmt.Errorf("sqlite remove build %s: %w", build, err)
		}
		total += len(victims)
		// This process's memory tier may hold a row it fell back on.
		keys := make([]string, len(victims))
		for i, v := range victims {
			keys[i] = v.key
		}
		s.feed.SendKeys(keys)
		if len(victims) < buildBatch {
			return total, nil
		}
	}
}
