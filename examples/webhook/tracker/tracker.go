// Package tracker is the webhook example's data: issues pushed to it by a
// signed webhook, in the example's own SQLite database.
//
// Example:
//
//	db, _ := tracker.Default()
//	_ = db.Upsert(ctx, tracker.Issue{Number: 1, Title: "Crash", State: "open"})
package tracker

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
)

// Issue is one tracked issue.
type Issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	State  string `json:"state"`
}

// DB holds the issues.
type DB struct{ sql *sql.DB }

var (
	once  sync.Once
	db    *DB
	dbErr error
)

// Default opens $TRACKER_DB (default data/tracker.db) once.
func Default() (*DB, error) {
	once.Do(func() {
		path := os.Getenv("TRACKER_DB")
		if path == "" {
			path = filepath.Join("data", "tracker.db")
		}
		if dbErr = os.MkdirAll(filepath.Dir(path), 0o755); dbErr != nil {
			return
		}
		var s *sql.DB
		s, dbErr = sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000")
		if dbErr != nil {
			return
		}
		_, dbErr = s.Exec(`CREATE TABLE IF NOT EXISTS issues (number INTEGER PRIMARY KEY, title TEXT NOT NULL, state TEXT NOT NULL);
			INSERT OR IGNORE INTO issues VALUES (1, 'Pages should be served from a cache', 'closed')`)
		db = &DB{sql: s}
	})
	return db, dbErr
}

// Issues returns every issue by number.
func (d *DB) Issues(ctx context.Context) ([]Issue, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT number, title, state FROM issues ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("tracker issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		var i Issue
		if err := rows.Scan(&i.Number, &i.Title, &i.State); err != nil {
			return nil, fmt.Errorf("tracker issues: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Upsert stores an issue, replacing one with the same number.
func (d *DB) Upsert(ctx context.Context, i Issue) error {
	_, err := d.sql.ExecContext(ctx, `INSERT INTO issues VALUES (?, ?, ?)
		ON CONFLICT(number) DO UPDATE SET title = excluded.title, state = excluded.state`, i.Number, i.Title, i.State)
	if err != nil {
		return fmt.Errorf("tracker upsert %d: %w", i.Number, err)
	}
	return nil
}
