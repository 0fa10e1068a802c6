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
var migrations = []string{schemaV1, schemaV2, schemaV3}

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

// Kinds of stamps rows.
const (
	stampPath = 0
	stampTag  = 1
)

// migrate brings the file to schemaVersion in one transaction. Processes
// opening an old file at once serialize on the immediate transaction; the
// loser finds the version already set.
func migrate(ctx context.Context, db *sql.DB) error {
	version := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (int, error) {
		var v int
		err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	}
	newer := func(v int) error {
		return fmt.Errorf("schema version %d is newer than this gox understands (%d): upgrade gox or delete the cache file", v, schemaVersion)
	}
	v, err := version(db)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v == schemaVersion {
		return nil
	}
	if v > schemaVersion {
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
	if v > schemaVersion {
		return newer(v)
	}
	for ; v < schemaVersion; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
