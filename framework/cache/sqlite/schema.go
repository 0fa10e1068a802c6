package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] brings a file from version i to i+1. The version is
// stored in PRAGMA user_version. A gox that finds a smaller version
// migrates the file; one that finds a larger version refuses it rather
// than misread it.
var migrations = []string{schemaV1, schemaV2, schemaV3, schemaV4}

// schemaVersion is the version this gox writes.
var schemaVersion = len(migrations)

// schemaV1 creates version 1.
//
// Columns of entries are ordered small first and blobs last: SQLite reads
// a row's columns in order, so List, which stops at tags, never touches
// the overflow pages of bodies. Times are Unix nanoseconds, 0 for none.
// totals is kept by triggers so that bounds and Stats need no table scan.
const schemaV1 = `
CREATE TABLE entries (
	key          TEXT PRIMARY KEY,
	route        TEXT NOT NULL,
	status       INTEGER NOT NULL,
	etag         TEXT NOT NULL,
	sum          INTEGER NOT NULL, -- xxhash64 of body
	length       INTEGER NOT NULL, -- length of body
	aux_sum      INTEGER NOT NULL, -- xxhash64 over tags, header, gzip, brotli
	generated_at INTEGER NOT NULL,
	fresh_until  INTEGER NOT NULL,
	retry_at     INTEGER NOT NULL,
	build_id     TEXT NOT NULL,
	last_error   TEXT NOT NULL,
	failures     INTEGER NOT NULL,
	size         INTEGER NOT NULL, -- bytes of body, gzip and brotli
	tags         BLOB,
	header       BLOB,
	body         BLOB,
	gzip         BLOB,
	brotli       BLOB
);
CREATE INDEX entries_route ON entries (route);

-- Read times live apart from entries: a flush of many reads then
-- rewrites a few dense pages instead of every read row with its body.
CREATE TABLE access (
	key TEXT PRIMARY KEY,
	at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX access_lru ON access (at, key);

CREATE TABLE entry_tags (
	tag TEXT NOT NULL,
	key TEXT NOT NULL,
	PRIMARY KEY (tag, key)
) WITHOUT ROWID;
CREATE INDEX entry_tags_key ON entry_tags (key);

-- kind: 0 path, 1 tag
CREATE TABLE stamps (
	kind           INTEGER NOT NULL,
	name           TEXT NOT NULL,
	revalidated_at INTEGER NOT NULL,
	expired_at     INTEGER NOT NULL,
	PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE leases (
	key   TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	until INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE counters (
	route         TEXT PRIMARY KEY,
	hits          INTEGER NOT NULL,
	misses        INTEGER NOT NULL,
	stale         INTEGER NOT NULL,
	regenerations INTEGER NOT NULL,
	writes        INTEGER NOT NULL,
	failures      INTEGER NOT NULL
) WITHOUT ROWID;

-- kind: 0 entry, 1 tag stamp, 2 path stamp, 3 clear.
-- AUTOINCREMENT: a seq is never reused, so a reader that finds a gap
-- after the last seq it saw knows rows were pruned.
CREATE TABLE changes (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	origin INTEGER NOT NULL,
	kind   INTEGER NOT NULL,
	name   TEXT NOT NULL,
	at     INTEGER NOT NULL
);

CREATE TABLE totals (
	id      INTEGER PRIMARY KEY CHECK (id = 0),
	entries INTEGER NOT NULL,
	bytes   INTEGER NOT NULL
);
INSERT INTO totals VALUES (0, 0, 0);
CREATE TRIGGER entries_insert AFTER INSERT ON entries BEGIN
	UPDATE totals SET entries = entries + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER entries_delete AFTER DELETE ON entries BEGIN
	UPDATE totals SET entries = entries - 1, bytes = bytes - old.size;
END;
CREATE TRIGGER entries_resize AFTER UPDATE OF size ON entries BEGIN
	UPDATE totals SET bytes = bytes + new.size - old.size;
END;
`

// schemaV2 adds what bounds each route: its totals, kept by triggers, and
// the route of each access row, so that eviction walks one route's
// entries in LRU order through an index. A route's totals row goes when
// its last entry does.
const schemaV2 = `
CREATE TABLE route_totals (
	route   TEXT PRIMARY KEY,
	entries INTEGER NOT NULL,
	bytes   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO route_totals SELECT route, count(*), sum(size) FROM entries GROUP BY route;
CREATE TRIGGER route_totals_insert AFTER INSERT ON entries BEGIN
	INSERT INTO route_totals VALUES (new.route, 1, new.size)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER route_totals_delete AFTER DELETE ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size WHERE route = old.route;
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;
CREATE TRIGGER route_totals_update AFTER UPDATE OF route, size ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size WHERE route = old.route;
	INSERT INTO route_totals VALUES (new.route, 1, new.size)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size;
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;

ALTER TABLE access ADD COLUMN route TEXT NOT NULL DEFAULT '';
UPDATE access SET route = (SELECT e.route FROM entries e WHERE e.key = access.key)
	WHERE key IN (SELECT key FROM entries);
CREATE INDEX access_route_lru ON access (route, at, key);
`

// schemaV3 counts each route's cached not-found entries (status 404) in
// route_totals and marks them in access, so that they have a bound of
// their own and go before the route's real pages: both LRU indexes put
// not-found rows first.
const schemaV3 = `
ALTER TABLE route_totals ADD COLUMN notfound INTEGER NOT NULL DEFAULT 0;
UPDATE route_totals SET notfound =
	(SELECT count(*) FROM entries e WHERE e.route = route_totals.route AND e.status = 404);
DROP TRIGGER route_totals_insert;
DROP TRIGGER route_totals_delete;
DROP TRIGGER route_totals_update;
CREATE TRIGGER route_totals_insert AFTER INSERT ON entries BEGIN
	INSERT INTO route_totals VALUES (new.route, 1, new.size, new.status = 404)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size,
		notfound = notfound + (new.status = 404);
END;
CREATE TRIGGER route_totals_delete AFTER DELETE ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size,
		notfound = notfound - (old.status = 404) WHERE route = old.route;
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;
CREATE TRIGGER route_totals_update AFTER UPDATE OF route, size, status ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size,
		notfound = notfound - (old.status = 404) WHERE route = old.route;
	INSERT INTO route_totals VALUES (new.route, 1, new.size, new.status = 404)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size,
		notfound = notfound + (new.status = 404);
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;

ALTER TABLE access ADD COLUMN notfound INTEGER NOT NULL DEFAULT 0;
UPDATE access SET notfound = 1 WHERE key IN (SELECT key FROM entries WHERE status = 404);
DROP INDEX access_lru;
DROP INDEX access_route_lru;
CREATE INDEX access_lru ON access (notfound DESC, at, key);
CREATE INDEX access_route_lru ON access (route, notfound DESC, at, key);
`

// schemaV4 keeps each build's rows apart, so that two builds sharing the
// file (a rolling deploy, or a new build prerendering while the old one
// serves) never overwrite each other's pages: entries, their tag index
// rows, their read times and the regeneration leases are keyed by key and
// build. builds records when a process of each build last ran, so that
// the rows of a build no process runs any more can be removed. The tables
// whose primary key changes are copied (SQLite cannot change a primary
// key in place); dropping a table drops its triggers and indexes without
// firing a trigger, so totals stay as they are and the triggers are made
// again on the copy. Leases are short-lived: they start empty.
const schemaV4 = `
CREATE TABLE access_v4 (
	key      TEXT NOT NULL,
	build_id TEXT NOT NULL,
	route    TEXT NOT NULL,
	at       INTEGER NOT NULL,
	notfound INTEGER NOT NULL,
	PRIMARY KEY (key, build_id)
) WITHOUT ROWID;
INSERT INTO access_v4 SELECT a.key, e.build_id, a.route, a.at, a.notfound
	FROM access a JOIN entries e ON e.key = a.key;
DROP TABLE access;
ALTER TABLE access_v4 RENAME TO access;
CREATE INDEX access_lru ON access (notfound DESC, at, key, build_id);
CREATE INDEX access_route_lru ON access (route, notfound DESC, at, key, build_id);

CREATE TABLE entry_tags_v4 (
	tag      TEXT NOT NULL,
	key      TEXT NOT NULL,
	build_id TEXT NOT NULL,
	PRIMARY KEY (tag, key, build_id)
) WITHOUT ROWID;
INSERT INTO entry_tags_v4 SELECT t.tag, t.key, e.build_id FROM entry_tags t JOIN entries e ON e.key = t.key;
DROP TABLE entry_tags;
ALTER TABLE entry_tags_v4 RENAME TO entry_tags;
CREATE INDEX entry_tags_key ON entry_tags (key, build_id);

CREATE TABLE entries_v4 (
	key          TEXT NOT NULL,
	build_id     TEXT NOT NULL,
	route        TEXT NOT NULL,
	status       INTEGER NOT NULL,
	etag         TEXT NOT NULL,
	sum          INTEGER NOT NULL,
	length       INTEGER NOT NULL,
	aux_sum      INTEGER NOT NULL,
	generated_at INTEGER NOT NULL,
	fresh_until  INTEGER NOT NULL,
	retry_at     INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	failures     INTEGER NOT NULL,
	size         INTEGER NOT NULL,
	tags         BLOB,
	header       BLOB,
	body         BLOB,
	gzip         BLOB,
	brotli       BLOB,
	PRIMARY KEY (key, build_id)
);
INSERT INTO entries_v4 SELECT key, build_id, route, status, etag, sum, length, aux_sum, generated_at,
	fresh_until, retry_at, last_error, failures, size, tags, header, body, gzip, brotli FROM entries;
DROP TABLE entries;
ALTER TABLE entries_v4 RENAME TO entries;
CREATE INDEX entries_route ON entries (route);
CREATE INDEX entries_build ON entries (build_id);
CREATE TRIGGER entries_insert AFTER INSERT ON entries BEGIN
	UPDATE totals SET entries = entries + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER entries_delete AFTER DELETE ON entries BEGIN
	UPDATE totals SET entries = entries - 1, bytes = bytes - old.size;
END;
CREATE TRIGGER entries_resize AFTER UPDATE OF size ON entries BEGIN
	UPDATE totals SET bytes = bytes + new.size - old.size;
END;
CREATE TRIGGER route_totals_insert AFTER INSERT ON entries BEGIN
	INSERT INTO route_totals VALUES (new.route, 1, new.size, new.status = 404)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size,
		notfound = notfound + (new.status = 404);
END;
CREATE TRIGGER route_totals_delete AFTER DELETE ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size,
		notfound = notfound - (old.status = 404) WHERE route = old.route;
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;
CREATE TRIGGER route_totals_update AFTER UPDATE OF route, size, status ON entries BEGIN
	UPDATE route_totals SET entries = entries - 1, bytes = bytes - old.size,
		notfound = notfound - (old.status = 404) WHERE route = old.route;
	INSERT INTO route_totals VALUES (new.route, 1, new.size, new.status = 404)
	ON CONFLICT (route) DO UPDATE SET entries = entries + 1, bytes = bytes + new.size,
		notfound = notfound + (new.status = 404);
	DELETE FROM route_totals WHERE route = old.route AND entries = 0;
END;

DROP TABLE leases;
CREATE TABLE leases (
	key      TEXT NOT NULL,
	build_id TEXT NOT NULL,
	owner    TEXT NOT NULL,
	until    INTEGER NOT NULL,
	PRIMARY KEY (key, build_id)
) WITHOUT ROWID;

-- seen_at: Unix ns when a process of the build last said it runs; every:
-- how often (ns) it says so, 0 for a build known only from its rows. The
-- builds found in the file count as seen now, so they get the whole
-- retention before they can go.
CREATE TABLE builds (
	build_id TEXT PRIMARY KEY,
	seen_at  INTEGER NOT NULL,
	every    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO builds (build_id, seen_at)
	SELECT DISTINCT build_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000000 FROM entries;
`

// Kinds of stamps rows.
const (
	stampPath = 0
	stampTag  = 1
)

// migrate brings the file to schemaVersion in one transaction. Processes
// opening an old file at once serialize on the immediate transaction; the
// loser finds the version already set.
func migrate(ctx context.Context, db *sql.DB) error {
	return migrateTo(ctx, db, schemaVersion)
}

// migrateTo brings the file to version target (tests make old files with
// it).
func migrateTo(ctx context.Context, db *sql.DB, target int) error {
	version := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (int, error) {
		var v int
		err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	}
	newer := func(v int) error {
		return fmt.Errorf("schema version %d is newer than this gox understands (%d): upgrade gox or delete the cache file", v, target)
	}
	v, err := version(db)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v == target {
		return nil
	}
	if v > target {
		return newer(v)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if v, err = version(tx); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v > target {
		return newer(v)
	}
	for ; v < target; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", target)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
