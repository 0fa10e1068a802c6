package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// Get returns the entry for key, read from the file and verified, with
// the stamps covering it as this process knows them (the poller keeps
// them current with other processes' invalidations). The entry is this
// handle's build's row of key, or when it has none the most recently
// generated row of another build, whose BuildID tells it apart.
func (s *Store) Get(ctx context.Context, key string) (cache.Lookup, error) {
	return s.load(ctx, key, false)
}

// Reload reads key from the file together with the stamps the file holds
// now (another process's invalidation may not have reached this process's
// poller yet), in one statement.
func (s *Store) Reload(ctx context.Context, key string) (cache.Lookup, error) {
	return s.load(ctx, key, true)
}

// load reads key from the file; reload selects Reload's behavior.
func (s *Store) load(ctx context.Context, key string, reload bool) (cache.Lookup, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return cache.Lookup{}, cerr
	}
	defer done()
	op, stmt, args := "get", s.stmts.get, []any{key, cache.KeyPath(key), s.opts.BuildID}
	if reload {
		op, stmt = "reload", s.stmts.reload
	}
	e, st, err := readEntry(ctx, stmt, args, reload)
	if err != nil {
		return cache.Lookup{}, fmt.Errorf("sqlite %s %s: %w", op, key, s.damage(err))
	}
	s.access.touch(key, time.Now().UnixNano())
	if !reload {
		return cache.LookupOf(e, s.stamps.of(e)), nil
	}
	// The file does not hold invalidations whose write failed yet.
	return cache.LookupOf(e, st.times().Max(s.stamps.pendingOf(e))), nil
}

// readEntry runs stmt (getSQL or, with stamps, reloadSQL) and verifies the
// row. A row whose body length or checksums do not match is never
// returned: the error wraps cache.ErrCorrupt.
func readEntry(ctx context.Context, stmt *sql.Stmt, args []any, withStamps bool) (*cache.Entry, stamp, error) {
	var (
		e                       = &cache.Entry{Key: args[0].(string)}
		sum, length, aux        int64
		generated, fresh, retry int64
		tags, header            []byte
		st                      stamp
	)
	dest := []any{&e.BuildID, &e.Route, &e.Status, &e.ETag, &sum, &length, &aux, &generated, &fresh, &retry,
		&e.LastError, &e.Failures, &tags, &header, &e.Body, &e.Gzip, &e.Brotli}
	if withStamps {
		dest = append(dest, &st.revalidated, &st.expired)
	}
	if err := stmt.QueryRowContext(ctx, args...).Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, st, cache.ErrNotFound
		}
		return nil, st, err
	}
	if int64(len(e.Body)) != length {
		return nil, st, fmt.Errorf("body is %d bytes, its row says %d: %w", len(e.Body), length, cache.ErrCorrupt)
	}
	if xxhash.Sum64(e.Body) != uint64(sum) {
		return nil, st, fmt.Errorf("body does not match its checksum: %w", cache.ErrCorrupt)
	}
	if auxSum(tags, header, e.Gzip, e.Brotli) != uint64(aux) {
		return nil, st, fmt.Errorf("header, tags or compressed body do not match their checksum: %w", cache.ErrCorrupt)
	}
	var err error
	if e.Tags, err = decodeStrings(tags); err != nil {
		return nil, st, fmt.Errorf("tags: %w: %w", err, cache.ErrCorrupt)
	}
	if e.Header, err = decodeHeader(header); err != nil {
		return nil, st, fmt.Errorf("header: %w: %w", err, cache.ErrCorrupt)
	}
	e.Sum = uint64(sum)
	e.GeneratedAt, e.FreshUntil, e.RetryAt = unixTime(generated), unixTime(fresh), unixTime(retry)
	return e, st, nil
}

// Put stores e as the row of e's build (e.BuildID, which the ISR engine
// sets to its own) with its tag index rows and a change log row in one
// transaction, never touching another build's row of e.Key, evicting least recently used entries if that goes over a
// bound of e's route or of the store; the evicted keys go to the change
// feed's subscribers before Put returns. A zero Sum is filled in; a Sum
// that does not match Body is refused with cache.ErrCorrupt.
func (s *Store) Put(ctx context.Context, e *cache.Entry) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	e, err := cache.Checked(e)
	if err != nil {
		return fmt.Errorf("sqlite put: %w", err)
	}
	enc := encode(e)
	now := time.Now().UnixNano()
	var evicted []string
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.writeEntry(ctx, tx, e, enc, now); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, changeEntry, e.Key); err != nil {
			return err
		}
		evicted, err = s.evict(ctx, tx, rowID{e.Key, e.BuildID}, e.Route, e.Status == http.StatusNotFound)
		return err
	})
	if err != nil {
		s.putFailing.Store(true)
		return fmt.Errorf("sqlite put %s: %w", e.Key, err)
	}
	s.feed.SendKeys(evicted)
	return nil
}

// writeEntry upserts e's row, replaces its tag index rows and makes its
// build known.
func (s *Store) writeEntry(ctx context.Context, tx *sql.Tx, e *cache.Entry, enc encoded, accessed int64) error {
	_, err := tx.StmtContext(ctx, s.stmts.upsert).ExecContext(ctx,
		e.Key, e.BuildID, e.Route, e.Status, e.ETag, int64(e.Sum), len(e.Body), int64(enc.aux),
		unixNano(e.GeneratedAt), unixNano(e.FreshUntil), unixNano(e.RetryAt),
		e.LastError, e.Failures, e.Size(),
		enc.tags, enc.header, e.Body, e.Gzip, e.Brotli)
	if err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.stmts.knowBuild).ExecContext(ctx, e.BuildID, accessed); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.stmts.access).ExecContext(ctx, e.Key, e.BuildID, e.Route, accessed, e.Status == http.StatusNotFound); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.stmts.deleteRowTags).ExecContext(ctx, e.Key, e.BuildID); err != nil {
		return err
	}
	if len(e.Tags) == 0 {
		return nil
	}
	insert := tx.StmtContext(ctx, s.stmts.insertTag)
	for _, t := range e.Tags {
		if _, err := insert.ExecContext(ctx, t, e.Key, e.BuildID); err != nil {
			return err
		}
	}
	return nil
}

// SetMeta updates the freshness and failure columns of the row of key
// that build m.BuildID wrote; cache.ErrNotFound when that build has none.
// Another build's row is never changed.
func (s *Store) SetMeta(ctx context.Context, key string, m cache.Meta) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE entries SET generated_at = ?, fresh_until = ?,
			last_error = ?, failures = ?, retry_at = ? WHERE key = ? AND build_id = ?`,
			unixNano(m.GeneratedAt), unixNano(m.FreshUntil), m.LastError, m.Failures, unixNano(m.RetryAt), key, m.BuildID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, cache.ErrNotFound)
		}
		return s.logChange(ctx, tx, changeEntry, key)
	})
	if err != nil {
		return fmt.Errorf("sqlite set meta %s: %w", key, err)
	}
	return nil
}

// Delete removes the entries for keys, every build's, and their tag index
// rows in one transaction.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	if len(keys) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.deleteEntries(ctx, tx, keys) })
	if err != nil {
		return fmt.Errorf("sqlite delete %s: %w", keys[0], err)
	}
	return nil
}

// deleteEntries removes every build's rows of keys and logs the change
// for other processes.
func (s *Store) deleteEntries(ctx context.Context, tx *sql.Tx, keys []string) error {
	stmts := []*sql.Stmt{
		tx.StmtContext(ctx, s.stmts.deleteEntry),
		tx.StmtContext(ctx, s.stmts.deleteTags),
		tx.StmtContext(ctx, s.stmts.deleteAccess),
	}
	for _, k := range keys {
		for _, st := range stmts {
			if _, err := st.ExecContext(ctx, k); err != nil {
				return err
			}
		}
		if err := s.logChange(ctx, tx, changeEntry, k); err != nil {
			return err
		}
	}
	return nil
}

// rowID names one build's row of a key.
type rowID struct {
	key, build string
}

// deleteRows removes rows (one build's of a key each) and logs the
// change of their keys for other processes.
func (s *Store) deleteRows(ctx context.Context, tx *sql.Tx, rows []rowID) error {
	stmts := []*sql.Stmt{
		tx.StmtContext(ctx, s.stmts.deleteRow),
		tx.StmtContext(ctx, s.stmts.deleteRowTags),
		tx.StmtContext(ctx, s.stmts.deleteRowRead),
	}
	for _, r := range rows {
		for _, st := range stmts {
			if _, err := st.ExecContext(ctx, r.key, r.build); err != nil {
				return err
			}
		}
		if err := s.logChange(ctx, tx, changeEntry, r.key); err != nil {
			return err
		}
	}
	return nil
}

// Clear removes every entry, stamp, lease, counter and build in one
// transaction.
func (s *Store) Clear(ctx context.Context) error {
	done, cerr := s.enter()
	if cerr != nil {
		return cerr
	}
	defer done()
	s.stamps.writeMu.Lock()
	defer s.stamps.writeMu.Unlock()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"entries", "entry_tags", "access", "stamps", "leases", "counters", "builds"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return s.logChange(ctx, tx, changeClear, "")
	})
	if err != nil {
		return fmt.Errorf("sqlite clear: %w", err)
	}
	s.stamps.reset()
	s.access.reset()
	return nil
}
