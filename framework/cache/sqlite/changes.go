package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Kinds of change log rows.
const (
	changeEntry = 0 // an entry was written, updated or deleted; name is its key
	changeTag   = 1 // a tag stamp was raised; name is the tag
	changePath  = 2 // a path stamp was raised; name is the path
	changeClear = 3 // everything was deleted
)

// maxChangeBatch bounds the change rows one poll applies one by one; a
// longer backlog (a bulk write by another process) is reported as one
// cache.ChangeAll instead.
const maxChangeBatch = 10_000

// logChange appends a change row in tx, so that other processes sharing
// the file learn what to drop from their memory.
func (s *Store) logChange(ctx context.Context, tx *sql.Tx, kind int, name string) error {
	_, err := tx.StmtContext(ctx, s.stmts.logChange).ExecContext(ctx, s.origin, kind, name, time.Now().UnixNano())
	return err
}

// watch polls for other processes' writes until ctx ends.
func (s *Store) watch(ctx context.Context) {
	defer s.wg.Done()
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.locked(ctx, s.poll); err != nil && ctx.Err() == nil {
			s.log.Warn("gox cache: checking for changes by other processes", "path", s.path, "err", err)
		}
	}
}

// change is a change log row.
type change struct {
	seq, origin int64
	kind        int
	name        string
}

// poll applies the change rows other processes committed since the last
// poll. PRAGMA data_version changes whenever another connection commits,
// so an idle file costs one cheap pragma per poll.
func (s *Store) poll(ctx context.Context) error {
	var version int64
	if err := s.pollConn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return fmt.Errorf("data version: %w", s.damage(err))
	}
	if version == s.dataVersion {
		return nil
	}
	changes, err := s.readChanges(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(changes) == 0:
	case len(changes) > maxChangeBatch || changes[0].seq != s.lastSeq+1:
		// A backlog, or rows pruned before this process saw them.
		var last int64
		if err := s.pollConn.QueryRowContext(ctx, "SELECT max(seq) FROM changes").Scan(&last); err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		if err := s.resync(ctx); err != nil {
			return err
		}
		s.lastSeq = last
	default:
		if err := s.apply(ctx, changes); err != nil {
			return err
		}
		s.lastSeq = changes[len(changes)-1].seq
	}
	s.dataVersion = version
	return nil
}

// readChanges returns up to maxChangeBatch+1 rows after the last seen.
func (s *Store) readChanges(ctx context.Context) ([]change, error) {
	rows, err := s.pollConn.QueryContext(ctx, "SELECT seq, origin, kind, name FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
		s.lastSeq, maxChangeBatch+1)
	if err != nil {
		return nil, fmt.Errorf("change log: %w", err)
	}
	defer rows.Close()
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.seq, &c.origin, &c.kind, &c.name); err != nil {
			return nil, fmt.Errorf("change log: %w", err)
		}
		changes = append(changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("change log: %w", err)
	}
	return changes, nil
}

// apply rereads the stamps other processes raised, then tells the
// subscribers what changed. This process's own rows are skipped: its
// subscribers made those changes through this store.
func (s *Store) apply(ctx context.Context, changes []change) error {
	stamps := []stampKey{}
	var out []cache.Change
	for _, c := range changes {
		if c.origin == s.origin {
			continue
		}
		switch c.kind {
		case changeEntry:
			out = append(out, cache.Change{Kind: cache.ChangeEntry, Name: c.name})
		case changeTag:
			stamps = append(stamps, stampKey{stampTag, c.name})
			out = append(out, cache.Change{Kind: cache.ChangeTag, Name: c.name})
		case changePath:
			stamps = append(stamps, stampKey{stampPath, c.name})
			out = append(out, cache.Change{Kind: cache.ChangePath, Name: c.name})
		case changeClear:
			return s.resync(ctx)
		}
	}
	if len(stamps) > 0 {
		// Stamps first: a subscriber that drops an entry and reads it
		// again must get the new stamps.
		if err := s.stamps.reload(ctx, s.pollConn, stamps); err != nil {
			return err
		}
	}
	s.feed.Send(out)
	return nil
}

// resync rereads every stamp and tells the subscribers that anything may
// have changed.
func (s *Store) resync(ctx context.Context) error {
	if err := s.stamps.reload(ctx, s.pollConn, nil); err != nil {
		return err
	}
	s.feed.Send([]cache.Change{{Kind: cache.ChangeAll}})
	return nil
}

// Subscribe registers fn for the changes other processes (and other
// handles of the file) make, as the poller finds them, and for the keys
// this store evicts, before the Put that evicted them returns.
func (s *Store) Subscribe(fn func([]cache.Change)) (cancel func()) {
	return s.feed.Subscribe(fn)
}

// prune deletes change rows older than changeRetention, always keeping
// the newest (a reader detects pruning by a gap after the seq it saw),
// and leases that have expired.
func (s *Store) prune(ctx context.Context) error {
	now := time.Now()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE at < ? AND seq < (SELECT max(seq) FROM changes)",
			now.Add(-changeRetention).UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE until < ?", now.UnixNano())
		return err
	})
}
