package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/cache"
)

// schemaOf returns the file's version.
func schemaOf(t *testing.T, db *sql.DB) int {
	t.Helper()
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	return version
}

// TestMigrateFromVersion1 opens a file of schema version 1 holding
// entries of two routes: the migration counts them per route, so the
// route bound evicts the right ones at once.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	db, err := sql.Open("sqlite3", dsn(path, "_busy_timeout=10000"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateTo(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	for i, k := range []string{"/p/1", "/p/2", "/p/3", "/other/a"} {
		// Version 1's columns; a row's sums are not checked by a listing.
		if _, err := db.Exec(`INSERT INTO entries VALUES (?, ?, 200, '"e"', 0, 0, 0, 1, 0, 0, 'old', '', 0, 10, NULL, NULL, NULL, NULL, NULL);
			INSERT INTO access VALUES (?, ?)`, k, routeOf(k), k, i+1); err != nil {
			t.Fatal(err)
		}
	}
	if v := schemaOf(t, db); v != 1 {
		t.Fatalf("the file is at version %d, want 1", v)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st, err := Open(path, Options{MaxEntriesPerRoute: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v := schemaOf(t, rawDB(t, st)); v != schemaVersion {
		t.Errorf("user_version = %d after migration, want %d", v, schemaVersion)
	}
	e := page("/p/4", "body of /p/4")
	e.Route = routeOf("/p/4")
	if err := st.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, st, []string{"/other/a", "/p/3", "/p/4"})
}

// TestMigrateFromVersion3 opens a copy of a file written by the gox of
// schema version 3 (testdata/schema-v3.db: five pages of build "old",
// one of them a 404, with tags, a stamp, a lease, counters and read
// times) as a new build would, and finds everything it held, now as
// build old's rows, beside which the new build writes its own.
func TestMigrateFromVersion3(t *testing.T) {
	ctx := context.Background()
	orig, err := os.ReadFile(filepath.Join("testdata", "schema-v3.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cache.db")
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite3", dsn(path, "_busy_timeout=10000"))
	if err != nil {
		t.Fatal(err)
	}
	if v := schemaOf(t, old); v != 3 {
		t.Fatalf("testdata/schema-v3.db is at version %d, want 3", v)
	}
	old.Close()

	st, err := Open(path, Options{BuildID: "new", MaxNotFoundPerRoute: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v := schemaOf(t, rawDB(t, st)); v != schemaVersion {
		t.Errorf("user_version = %d after migration, want %d", v, schemaVersion)
	}
	keys := []string{"/", "/posts?page=2", "/products/1", "/products/2", "/products/404"}
	for _, k := range keys {
		l, err := st.Get(ctx, k)
		if err != nil {
			t.Fatalf("Get(%s) after the migration: %v", k, err)
		}
		if got, want := string(l.Entry.Body), "v3 body of "+k; got != want || l.Entry.BuildID != "old" {
			t.Errorf("Get(%s) = build %q %q, want build old %q", k, l.Entry.BuildID, got, want)
		}
	}
	if l, _ := st.Get(ctx, "/"); !l.RevalidatedAt.Equal(time.Unix(1_700_003_600, 0)) {
		t.Errorf("the stamp of tag t-/ covers / at %v, want %v", l.RevalidatedAt, time.Unix(1_700_003_600, 0))
	}
	covered, err := st.InvalidateTags(ctx, []string{"t-/products/1"}, time.Now(), cache.Stale)
	if err != nil || !slices.Equal(covered, []string{"/products/1"}) {
		t.Errorf("InvalidateTags(t-/products/1) = %q, %v; want [/products/1]: the tag index was not carried", covered, err)
	}
	counters, err := st.Counters(ctx)
	if err != nil || counters["/"].Hits != 3 {
		t.Errorf("Counters = %v, %v; want 3 hits of /", counters, err)
	}
	infos, err := st.List(ctx, cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		if in.AccessedAt.IsZero() {
			t.Errorf("%s lost its read time", in.Key)
		}
	}
	if s, err := st.Stats(ctx); err != nil || s.Entries != 5 {
		t.Errorf("Stats = %+v, %v; want 5 entries", s, err)
	}
	// The lease the old file held is gone; the new build takes its own.
	if held, err := st.Lease(ctx, "/", "owner", time.Minute); err != nil || !held {
		t.Errorf("Lease(/) = %v, %v; want it taken", held, err)
	}

	// The new build's rows stand beside the old build's.
	e := page("/products/1", "new body")
	e.Route, e.BuildID = routeOf("/products/1"), "new"
	if err := st.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got := body(t, st, "/products/1"); got != "new body" {
		t.Errorf("build new's Get(/products/1) = %q, want its own row", got)
	}
	tool, err := Open(path, Options{BuildID: "old"})
	if err != nil {
		t.Fatal(err)
	}
	defer tool.Close()
	if got := body(t, tool, "/products/1"); got != "v3 body of /products/1" {
		t.Errorf("build old's Get(/products/1) = %q, want its own row", got)
	}
	// The route totals were carried: a second 404 of the route goes over
	// its not-found bound of 1 and evicts the old one.
	nf := page("/products/405", "gone")
	nf.Route, nf.BuildID, nf.Status = routeOf("/products/405"), "new", 404
	if err := st.Put(ctx, nf); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "/products/404"); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get(/products/404) after another 404 of its route = %v, want it evicted", err)
	}
	var builds []string
	rows, err := rawDB(t, st).Query("SELECT build_id FROM builds ORDER BY build_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		builds = append(builds, b)
	}
	if d := cmp.Diff([]string{"new", "old"}, builds); d != "" {
		t.Errorf("builds after the migration (-want +got):\n%s", d)
	}
}
