package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// entryColumns are the columns a Get scans, in scanRow's order.
const entryColumns = `route, status, etag, sum, length, aux_sum, generated_at, fresh_until,
	retry_at, build_id, last_error, failures, tags, header, body, gzip, brotli`

const (
	getSQL = `SELECT ` + entryColumns + ` FROM entries WHERE key = ?1`

	// reloadSQL reads the entry together with the stamps covering it in
	// one statement, hence one snapshot of the file.
	reloadSQL = `SELECT ` + entryColumns + `,
	(SELECT coalesce(max(s.revalidated_at), 0) FROM stamps s
		WHERE (s.kind = 0 AND s.name = ?2) OR (s.kind = 1 AND s.name IN (SELECT tag FROM entry_tags WHERE key = ?1))),
	(SELECT coalesce(max(s.expired_at), 0) FROM stamps s
		WHERE (s.kind = 0 AND s.name = ?2) OR (s.kind = 1 AND s.name IN (SELECT tag FROM entry_tags WHERE key = ?1)))
	FROM entries WHERE key = ?1`

	upsertSQL = `INSERT INTO entries (key, route, status, etag, sum, length, aux_sum, generated_at,
	fresh_until, retry_at, build_id, last_error, failures, size, tags, header, body, gzip, brotli)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (key) DO UPDATE SET route = excluded.route, status = excluded.status,
	etag = excluded.etag, sum = excluded.sum, length = excluded.length, aux_sum = excluded.aux_sum,
	generated_at = excluded.generated_at, fresh_until = excluded.fresh_until, retry_at = excluded.retry_at,
	build_id = excluded.build_id, last_error = excluded.last_error, failures = excluded.failures,
	size = excluded.size, tags = excluded.tags,
	header = excluded.header, body = excluded.body, gzip = excluded.gzip, brotli = excluded.brotli`

	deleteTagsSQL   = `DELETE FROM entry_tags WHERE key = ?`
	insertTagSQL    = `INSERT OR IGNORE INTO entry_tags (tag, key) VALUES (?, ?)`
	deleteEntrySQL  = `DELETE FROM entries WHERE key = ?`
	deleteAccessSQL = `DELETE FROM access WHERE key = ?`
	logChangeSQL    = `INSERT INTO changes (origin, kind, name, at) VALUES (?, ?, ?, ?)`
	// accessSQL records a write as an access.
	accessSQL = `INSERT INTO access (key, route, at, notfound) VALUES (?, ?, ?, ?)
	ON CONFLICT (key) DO UPDATE SET route = excluded.route, at = excluded.at, notfound = excluded.notfound`
	// touchSQL records reads. It never moves an access time back (a flush
	// may carry a read older than a later Put) and never creates a row
	// (the entry may have been deleted since the read).
	touchSQL = `UPDATE access SET at = ?2 WHERE key = ?1 AND at < ?2`
)

// statements are prepared once per store. database/sql prepares a read
// statement again on each pool connection that runs it; the write ones
// live on the single write connection.
type statements struct {
	get, reload                                  *sql.Stmt
	upsert, deleteTags, insertTag                *sql.Stmt
	deleteEntry, deleteAccess, logChange, access *sql.Stmt
	touch                                        *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, read, write *sql.DB) error {
	for _, p := range []struct {
		db    *sql.DB
		dst   **sql.Stmt
		query string
	}{
		{read, &st.get, getSQL},
		{read, &st.reload, reloadSQL},
		{write, &st.upsert, upsertSQL},
		{write, &st.deleteTags, deleteTagsSQL},
		{write, &st.insertTag, insertTagSQL},
		{write, &st.deleteEntry, deleteEntrySQL},
		{write, &st.deleteAccess, deleteAccessSQL},
		{write, &st.access, accessSQL},
		{write, &st.logChange, logChangeSQL},
		{write, &st.touch, touchSQL},
	} {
		s, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", p.query, err)
		}
		*p.dst = s
	}
	return nil
}

func (st *statements) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.get, st.reload, st.upsert, st.deleteTags, st.insertTag, st.deleteEntry, st.deleteAccess, st.logChange, st.access, st.touch} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
