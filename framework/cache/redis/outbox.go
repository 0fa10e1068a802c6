package redis

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/goxweb/gox/framework/cache"
)

// outbox is a small SQLite file that keeps the invalidations made while
// Redis could not be reached, one row per tag or path (the latest stamp in
// each mode), so that they survive a restart and are replayed when Redis
// is back. Past its bound of names, rows fold into one global stamp.
type outbox struct {
	db *sql.DB
}

const outboxSchema = `CREATE TABLE IF NOT EXISTS outbox (
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	revalidated_at INTEGER NOT NULL,
	expired_at INTEGER NOT NULL,
	PRIMARY KEY (kind, name)
) WITHOUT ROWID`

// openOutbox opens (creating) the outbox file at path and returns the
// stamps it holds.
func openOutbox(path string) (*outbox, map[stampKey]cache.Stamp, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, nil, err
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	ob := &outbox{db: db}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, outboxSchema); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	stamps, err := ob.load(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	return ob, stamps, nil
}

func (o *outbox) load(ctx context.Context) (map[stampKey]cache.Stamp, error) {
	rows, err := o.db.QueryContext(ctx, "SELECT kind, name, revalidated_at, expired_at FROM outbox")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stamps := make(map[stampKey]cache.Stamp)
	for rows.Next() {
		var k stampKey
		var r, x int64
		if err := rows.Scan(&k.kind, &k.name, &r, &x); err != nil {
			return nil, err
		}
		stamps[k] = cache.Stamp{RevalidatedAt: nsTime(r), ExpiredAt: nsTime(x)}
	}
	return stamps, rows.Err()
}

// add records st as k's pending stamp, never lowering a stored one.
func (o *outbox) add(k stampKey, st cache.Stamp) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := o.db.ExecContext(ctx, `INSERT INTO outbox VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, name) DO UPDATE SET
		revalidated_at = max(revalidated_at, excluded.revalidated_at),
		expired_at = max(expired_at, excluded.expired_at)`,
		k.kind, k.name, timeNS(st.RevalidatedAt), timeNS(st.ExpiredAt))
	return err
}

// remove deletes the rows replayed as snap, unless raised since.
func (o *outbox) remove(snap map[stampKey]cache.Stamp) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for k, st := range snap {
		if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE kind = ? AND name = ? AND revalidated_at <= ? AND expired_at <= ?",
			k.kind, k.name, timeNS(st.RevalidatedAt), timeNS(st.ExpiredAt)); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// clear empties the outbox (Clear wrote over everything).
func (o *outbox) clear() error {
	_, err := o.db.Exec("DELETE FROM outbox")
	return err
}

func (o *outbox) close() error { return o.db.Close() }

func timeNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nsTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
