package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// entryColumns are the columns a Get scans, in readEntry's order.
const entryColumns = `build_id, route, status, etag, sum, length, aux_sum, generated_at, fresh_until,
	retry_at, last_error, failures, tags, header, body, gzip, brotli`

// pickBuild selects the build whose row of key ?1 a handle of build ?3
// reads: its own, else the one that generated the row most recently. It
// reads the key's rows (a few) without their bodies, which the
// statements then read from the one row picked. The latest is the row no
// other row is later than: an ORDER BY or a max() would make SQLite
// prepare the statement again on every run, tripling the cost of a Get.
const pickBuild = `coalesce((SELECT build_id FROM entries WHERE key = ?1 AND build_id = ?3),
	(SELECT p.build_id FROM entries p WHERE p.key = ?1 AND NOT EXISTS (SELECT 1 FROM entries q
		WHERE q.key = ?1 AND (q.generated_at > p.generated_at OR
			(q.generated_at = p.generated_at AND q.build_id > p.build_id))) LIMIT 1))`

const (
	// getSQL takes reloadSQL's arguments (?2, the key's path, unused), so
	// that both bind alike.
	getSQL = `SELECT ` + entryColumns + ` FROM entries WHERE key = ?1 AND build_id = ` + pickBuild

	// reloadSQL reads the entry together with the stamps covering it in
	// one statement, hence one snapshot of the file.
	reloadSQL = `SELECT ` + entryColumns + `,
	(SELECT coalesce(max(s.revalidated_at), 0) FROM stamps s
		WHERE (s.kind = 0 AND s.name = ?2) OR (s.kind = 1 AND s.name IN
			(SELECT tag FROM entry_tags t WHERE t.key = ?1 AND t.build_id = e.build_id))),
	(SELECT coalesce(max(s.expired_at), 0) FROM stamps s
		WHERE (s.kind = 0 AND s.name = ?2) OR (s.kind = 1 AND s.name IN
			(SELECT tag FROM entry_tags t WHERE t.key = ?1 AND t.build_id = e.build_id)))
	FROM entries e WHERE e.key = ?1 AND e.build_id = ` + pickBuild

	upsertSQL = `INSERT INTO entries (key, build_id, route, status, etag, sum, length, aux_sum, generated_at,
	fresh_until, retry_at, last_error, failures, size, tags, header, body, gzip, brotli)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (key, build_id) DO UPDATE SET route = excluded.route, status = excluded.status,
	etag = excluded.etag, sum = excluded.sum, length = excluded.length, aux_sum = excluded.aux_sum,
	generated_at = excluded.generated_at, fresh_until = excluded.fresh_until, retry_at = excluded.retry_at,
	last_error = excluded.last_error, failures = excluded.failures,
	size = excluded.size, tags = excluded.tags,
	header = excluded.header, body = excluded.body, gzip = excluded.gzip, brotli = excluded.brotli`

	// A build is known from its first row on, so that its rows go once
	// no process of it has run for the retention, even if none ever did.
	knowBuildSQL = `INSERT INTO builds (build_id, seen_at) VALUES (?, ?) ON CONFLICT (build_id) DO NOTHING`

	// The statements by key act on every build's row of the key (Delete);
	// those by row on one build's (Put, eviction, removal of a build).
	deleteTagsSQL    = `DELETE FROM entry_tags WHERE key = ?`
	deleteEntrySQL   = `DELETE FROM entries WHERE key = ?`
	deleteAccessSQL  = `DELETE FROM access WHERE key = ?`
	deleteRowTagsSQL = `DELETE FROM entry_tags WHERE key = ? AND build_id = ?`
	deleteRowSQL     = `DELETE FROM entries WHERE key = ? AND build_id = ?`
	deleteRowReadSQL = `DELETE FROM access WHERE key = ? AND build_id = ?`
	insertTagSQL     = `INSERT OR IGNORE INTO entry_tags (tag, key, build_id) VALUES (?, ?, ?)`
	logChangeSQL     = `INSERT INTO changes (origin, kind, name, at) VALUES (?, ?, ?, ?)`
	// accessSQL records a write as an access.
	accessSQL = `INSERT INTO access (key, build_id, route, at, notfound) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (key, build_id) DO UPDATE SET route = excluded.route, at = excluded.at, notfound = excluded.notfound`
	// touchSQL records reads, on the row a Get by this handle (?3 is its
	// build) reads now. It never moves an access time back (a flush may
	// carry a read older than a later Put) and never creates a row (the
	// entry may have been deleted since the read).
	touchSQL = `UPDATE access SET at = ?2 WHERE key = ?1 AND at < ?2 AND build_id = ` + pickBuild
)

// statements are prepared once per store. database/sql prepares a read
// statement again on each pool connection that runs it; the write ones
// live on the single write connection.
type statements struct {
	get, reload                             *sql.Stmt
	upsert, knowBuild, insertTag            *sql.Stmt
	deleteTags, deleteEntry, deleteAccess   *sql.Stmt
	deleteRowTags, deleteRow, deleteRowRead *sql.Stmt
	logChange, access, touch                *sql.Stmt
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
		{write, &st.knowBuild, knowBuildSQL},
		{write, &st.insertTag, insertTagSQL},
		{write, &st.deleteTags, deleteTagsSQL},
		{write, &st.deleteEntry, deleteEntrySQL},
		{write, &st.deleteAccess, deleteAccessSQL},
		{write, &st.deleteRowTags, deleteRowTagsSQL},
		{write, &st.deleteRow, deleteRowSQL},
		{write, &st.deleteRowRead, deleteRowReadSQL},
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
	for _, s := range []*sql.Stmt{st.get, st.reload, st.upsert, st.knowBuild, st.insertTag, st.deleteTags,
		st.deleteEntry, st.deleteAccess, st.deleteRowTags, st.deleteRow, st.deleteRowRead, st.logChange, st.access, st.touch} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
