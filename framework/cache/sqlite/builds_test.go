package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// openBuild opens path for build with the retention given.
func openBuild(t *testing.T, path, build string, retention time.Duration, log *slog.Logger) *Store {
	t.Helper()
	opts := Options{BuildID: build, BuildRetention: retention, PollInterval: 10 * time.Millisecond, Logger: log}
	st, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// putBuilt stores a page of build at each key.
func putBuilt(t *testing.T, st *Store, build string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		e := page(k, build+" "+k)
		e.BuildID = build
		if err := st.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// rowsByBuild counts the rows of each build in the file.
func rowsByBuild(t *testing.T, st *Store) map[string]int {
	t.Helper()
	infos, err := st.List(context.Background(), cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, in := range infos {
		n[in.BuildID]++
	}
	return n
}

// TestGoneBuildsAreRemoved: the rows of a build whose process stopped go
// once the retention has passed, in batches, while the rows of running
// builds stay: the store's own, another's with the same retention, and
// another's with a retention longer than this store's (it marks itself
// more rarely). The memory tier hears of the removed keys. (The
// retention is long enough for a loaded machine to let every running
// store mark itself within it.)
func TestGoneBuildsAreRemoved(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	const retention = 2 * time.Second
	// Build slow runs with a day's retention: it marks itself every minute.
	slow := openBuild(t, path, "slow", 24*time.Hour, nil)
	putBuilt(t, slow, "slow", "/s")
	old := openBuild(t, path, "old", retention, nil)
	oldKeys := make([]string, buildBatch+20)
	for i := range oldKeys {
		oldKeys[i] = fmt.Sprintf("/old/%d", i)
	}
	putBuilt(t, old, "old", oldKeys...)
	putBuilt(t, old, "old", "/shared")
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	logger, log := newLog()
	cur := openBuild(t, path, "cur", retention, logger)
	putBuilt(t, cur, "cur", "/shared", "/c")
	other := openBuild(t, path, "other", retention, logger)
	putBuilt(t, other, "other", "/o")
	var mu sync.Mutex
	var fed []string
	defer cur.Subscribe(func(cs []cache.Change) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cs {
			fed = append(fed, c.Name)
		}
	})()
	if got := body(t, cur, "/old/3"); got != "old /old/3" {
		t.Fatalf("build cur's Get(/old/3) = %q, want build old's row to fall back on", got)
	}

	for deadline := time.Now().Add(20 * time.Second); rowsByBuild(t, cur)["old"] > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("build old's rows are still there: %v", rowsByBuild(t, cur))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// One more pass, now that old is past its retention and so are the
	// last marks of the builds still running.
	time.Sleep(retention)
	if err := cur.removeGoneBuilds(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"cur": 2, "other": 1, "slow": 1}
	got := rowsByBuild(t, cur)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows by build = %v, want %v", got, want)
	}
	if got := body(t, cur, "/old/3"); !strings.Contains(got, cache.ErrNotFound.Error()) {
		t.Errorf("build cur's Get(/old/3) = %q, want not found", got)
	}
	if got := body(t, other, "/shared"); got != "cur /shared" {
		t.Errorf("build other's Get(/shared) = %q, want build cur's row, the only one left", got)
	}
	var builds []string
	rows, err := cur.read.QueryContext(ctx, "SELECT build_id FROM builds ORDER BY build_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		builds = append(builds, b)
	}
	rows.Close()
	if fmt.Sprint(builds) != "[cur other slow]" {
		t.Errorf("builds = %v, want [cur other slow]", builds)
	}
	mu.Lock()
	if !slices.Contains(fed, "/old/3") || !slices.Contains(fed, "/shared") {
		t.Errorf("build cur's change feed got %d keys, want /old/3 and /shared among them", len(fed))
	}
	mu.Unlock()
	// Both running stores remove gone builds: between them, they say
	// they removed each of build old's rows once, and nothing else.
	removed := 0
	for line := range strings.Lines(log.String()) {
		var n int
		_, about, _ := strings.Cut(line, " build=")
		if _, err := fmt.Sscanf(about, "old entries=%d", &n); err != nil {
			t.Errorf("log line %q, want one about build old", line)
		}
		removed += n
	}
	if removed != len(oldKeys)+1 {
		t.Errorf("the log says %d rows were removed, want %d:\n%s", removed, len(oldKeys)+1, log.String())
	}
}

// TestBuildsKeptWithoutRetention: a negative retention, or a store of no
// build, removes nothing however old the builds are.
func TestBuildsKeptWithoutRetention(t *testing.T) {
	for _, tt := range []struct {
		name      string
		build     string
		retention time.Duration
	}{
		{"negative retention", "cur", -1},
		{"store of no build", "", time.Nanosecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache.db")
			old := openBuild(t, path, "old", time.Nanosecond, nil)
			putBuilt(t, old, "old", "/a")
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
			st := openBuild(t, path, tt.build, tt.retention, nil)
			if err := st.removeGoneBuilds(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := rowsByBuild(t, st)["old"]; got != 1 {
				t.Errorf("build old has %d rows, want 1", got)
			}
		})
	}
}
