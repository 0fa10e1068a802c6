package isr_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/isr"
)

// openBuildStore opens path for build, behind a memory tier, as a server
// of that build does.
func openBuildStore(t *testing.T, path, build string) cache.Store {
	t.Helper()
	inner, err := sqlite.Open(path, sqlite.Options{BuildID: build, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tiered.New(inner, tiered.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// rowOf returns build's row of key as a store of that build reads it.
func rowOf(t *testing.T, path, build, key string) *cache.Entry {
	t.Helper()
	st, err := sqlite.Open(path, sqlite.Options{BuildID: build, BuildRetention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("build %s's row of %s: %v", build, key, err)
	}
	if l.Entry.BuildID != build {
		t.Fatalf("build %s has no row of %s (read build %s's)", build, key, l.Entry.BuildID)
	}
	return l.Entry
}

// TestTwoBuildsShareOneCache runs the engines of an old and a new build on
// one cache file, as a rolling deploy does: the new build first serves the
// old build's pages stale and regenerates its own, and from then on each
// serves its own pages fresh, even after the other regenerates; neither
// ever writes the other's rows.
func TestTwoBuildsShareOneCache(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cache.db")
	oldPage := &page{body: "old template", fresh: time.Hour}
	newPage := &page{body: "new template", fresh: time.Hour}
	old := newEngine(t, openBuildStore(t, path, "old"), isr.Options{BuildID: "old"})
	if b, s := serve(t, old, job(old, "/p", oldPage)); b != "old template /p" || s != isr.Miss {
		t.Fatalf("old build's first request: %q %s, want its render MISS", b, s)
	}
	old.WaitWrites()

	cur := newEngine(t, openBuildStore(t, path, "new"), isr.Options{BuildID: "new"})
	if b, s := serve(t, cur, job(cur, "/p", newPage)); b != "old template /p" || s != isr.Stale {
		t.Fatalf("new build's first request: %q %s, want the old build's page STALE", b, s)
	}
	eventually(t, "the new build serving its own page fresh", func() bool {
		b, s := serve(t, cur, job(cur, "/p", newPage))
		return b == "new template /p" && s == isr.Hit
	})
	cur.WaitWrites()
	for range 3 {
		if b, s := serve(t, old, job(old, "/p", oldPage)); b != "old template /p" || s != isr.Hit {
			t.Fatalf("old build after the new build's render: %q %s, want its own page HIT", b, s)
		}
	}
	if n := oldPage.renders.Load(); n != 1 {
		t.Errorf("old build rendered %d times, want once: it must not regenerate because of the new build's row", n)
	}

	// An invalidation covers both builds' rows; each regenerates its own.
	if _, err := old.RevalidatePaths(context.Background(), []string{"/p"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	oldPage.set(func(p *page) { p.body = "old template v2" })
	newPage.set(func(p *page) { p.body = "new template v2" })
	eventually(t, "the old build's page regenerated", func() bool {
		b, s := serve(t, old, job(old, "/p", oldPage))
		return b == "old template v2 /p" && s == isr.Hit
	})
	eventually(t, "the new build's page regenerated", func() bool {
		b, s := serve(t, cur, job(cur, "/p", newPage))
		return b == "new template v2 /p" && s == isr.Hit
	})
	old.WaitWrites()
	cur.WaitWrites()
	if got := string(rowOf(t, path, "old", "/p").Body); got != "old template v2 /p" {
		t.Errorf("the old build's row holds %q", got)
	}
	if got := string(rowOf(t, path, "new", "/p").Body); got != "new template v2 /p" {
		t.Errorf("the new build's row holds %q", got)
	}
}

// TestNewBuildSameBytesWritesItsOwnRow: a page a new build renders to the
// same bytes as the old build's is stored as the new build's own row,
// never by retagging the old build's row, which the old build goes on
// serving as its own.
func TestNewBuildSameBytesWritesItsOwnRow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cache.db")
	p := &page{body: "same", fresh: time.Hour}
	old := newEngine(t, openBuildStore(t, path, "old"), isr.Options{BuildID: "old"})
	serve(t, old, job(old, "/s", p))
	old.WaitWrites()
	cur := newEngine(t, openBuildStore(t, path, "new"), isr.Options{BuildID: "new"})
	if _, s := serve(t, cur, job(cur, "/s", p)); s != isr.Stale {
		t.Fatalf("new build's first request: %s, want STALE", s)
	}
	eventually(t, "the new build's own row", func() bool {
		_, s := serve(t, cur, job(cur, "/s", p))
		return s == isr.Hit
	})
	cur.WaitWrites()
	if e := rowOf(t, path, "new", "/s"); string(e.Body) != "same /s" {
		t.Errorf("the new build's row holds %q", e.Body)
	}
	if _, s := serve(t, old, job(old, "/s", p)); s != isr.Hit {
		t.Errorf("old build after the new build's render: %s, want HIT", s)
	}
}

// TestNewBuildFailingKeepsOldRow: a new build whose render of a page
// fails keeps serving the old build's page stale, backs off in memory,
// and leaves the old build's row as it was.
func TestNewBuildFailingKeepsOldRow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cache.db")
	p := &page{body: "good", fresh: time.Hour}
	old := newEngine(t, openBuildStore(t, path, "old"), isr.Options{BuildID: "old"})
	serve(t, old, job(old, "/f", p))
	old.WaitWrites()
	broken := &page{fail: func() (isr.Result, error) { return isr.Result{}, errors.New("upstream down") }}
	cur := newEngine(t, openBuildStore(t, path, "new"), isr.Options{BuildID: "new", RetryBase: time.Hour, RetryMax: time.Hour})
	if b, s := serve(t, cur, job(cur, "/f", broken)); b != "good /f" || s != isr.Stale {
		t.Fatalf("new build's first request: %q %s, want the old page STALE", b, s)
	}
	eventually(t, "the failed regeneration", func() bool { return broken.renders.Load() == 1 })
	for range 5 {
		if b, s := serve(t, cur, job(cur, "/f", broken)); b != "good /f" || s != isr.Stale {
			t.Fatalf("new build after its failure: %q %s, want the old page STALE", b, s)
		}
	}
	cur.WaitWrites()
	if n := broken.renders.Load(); n != 1 {
		t.Errorf("the failing page rendered %d times, want once: the retry is an hour away", n)
	}
	e := rowOf(t, path, "old", "/f")
	if e.Failures != 0 || e.LastError != "" || !e.RetryAt.IsZero() {
		t.Errorf("the old build's row records failures %d, %q, retry at %v; want none of the new build's",
			e.Failures, e.LastError, e.RetryAt)
	}
	if !strings.Contains(string(e.Body), "good") {
		t.Errorf("the old build's row holds %q", e.Body)
	}
}
