package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMigrateFromVersion1 opens a file of schema version 1 holding
// entries of two routes: the migration counts them per route, so the
// route bound evicts the right ones at once.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"/p/1", "/p/2", "/p/3", "/other/a"} {
		e := page(k, "body of "+k)
		e.Route = routeOf(k)
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Take the file back to version 1.
	db := rawDB(t, st)
	if _, err := db.ExecContext(ctx, `DROP TRIGGER route_totals_insert; DROP TRIGGER route_totals_delete;
		DROP TRIGGER route_totals_update; DROP TABLE route_totals; DROP INDEX access_route_lru;
		DROP INDEX access_lru; ALTER TABLE access DROP COLUMN route; ALTER TABLE access DROP COLUMN notfound;
		CREATE INDEX access_lru ON access (at, key); PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = Open(path, Options{MaxEntriesPerRoute: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var version int
	if err := rawDB(t, st).QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != schemaVersion {
		t.Errorf("user_version = %d after migration, want %d", version, schemaVersion)
	}
	e := page("/p/4", "body of /p/4")
	e.Route = routeOf("/p/4")
	if err := st.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, st, []string{"/other/a", "/p/3", "/p/4"})
}
