package cachetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Options select the parts of the suite a backend opts into. The zero
// value runs the parts every store must pass.
type Options struct {
	// BuildHandles opts into the build-scoping tests (run as "Builds"),
	// for a store whose handle is opened for one build of the app and
	// keeps each build's rows apart (sqlite.Options.BuildID), so that two
	// builds sharing one cache never overwrite each other's pages. It
	// makes one new, empty storage for t and returns a function that
	// opens a handle on that storage for the build it is given, as the
	// processes of two builds sharing one cache file or server would; ""
	// opens a handle of no build, as tools do. Every handle must be closed
	// when t ends (t.Cleanup).
	//
	// What the tests hold a store to: Put writes the row of the entry's
	// build (e.BuildID) and never another build's; Get and Reload return
	// the handle's build's row of a key, else the most recently generated
	// row of another build (any build's for a handle of no build);
	// SetMeta changes only the row of m.BuildID (cache.ErrNotFound when
	// that build has none); invalidations, Delete and Clear cover every
	// build's rows; a lease is per key and build; List returns every
	// build's rows and Stats counts them all. Changes made through one
	// handle may take a poll interval to reach another's Get (a memory
	// tier learns them through its change feed); the tests wait for them,
	// bounded, and read Reload at once.
	BuildHandles func(t *testing.T) (open func(buildID string) cache.Store)
}

// RunWith is Run with the opt-in parts that opts select.
func RunWith(t *testing.T, open func(t *testing.T) cache.Store, opts Options) {
	Run(t, open)
	if opts.BuildHandles != nil {
		t.Run("Builds", func(t *testing.T) { testBuilds(t, opts.BuildHandles) })
	}
}

// propagation bounds how long a change made through one handle may take
// to reach another handle's Get.
const propagation = 10 * time.Second

func testBuilds(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	t.Run("OwnRows", func(t *testing.T) { testBuildOwnRows(t, handles) })
	t.Run("Fallback", func(t *testing.T) { testBuildFallback(t, handles) })
	t.Run("SetMeta", func(t *testing.T) { testBuildSetMeta(t, handles) })
	t.Run("Invalidate", func(t *testing.T) { testBuildInvalidate(t, handles) })
	t.Run("Delete", func(t *testing.T) { testBuildDelete(t, handles) })
	t.Run("Lease", func(t *testing.T) { testBuildLease(t, handles) })
	t.Run("List", func(t *testing.T) { testBuildList(t, handles) })
}

// built returns entry(key, tags...) as rendered by build with body, at
// t0 plus d.
func built(build, key, body string, d time.Duration, tags ...string) *cache.Entry {
	e := withBody(entry(key, tags...), body)
	e.BuildID, e.GeneratedAt = build, at(d)
	return e
}

// served describes what a lookup holds, for comparisons: its build and
// body, or the error.
func served(l cache.Lookup, err error) string {
	if err != nil {
		if errors.Is(err, cache.ErrNotFound) {
			return "not found"
		}
		return "error: " + err.Error()
	}
	return l.Entry.BuildID + ":" + string(l.Entry.Body)
}

// wantServed fails the test unless st's Reload of key serves want at
// once and its Get within propagation.
func wantServed(t *testing.T, st cache.Store, who, key, want string) {
	t.Helper()
	ctx := context.Background()
	if got := served(reloadOrGet(ctx, st, key)); got != want {
		t.Errorf("%s: Reload(%q) = %s, want %s", who, key, got, want)
	}
	var got string
	for deadline := time.Now().Add(propagation); ; {
		if got = served(st.Get(ctx, key)); got == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got != want {
		t.Errorf("%s: Get(%q) = %s, want %s", who, key, got, want)
	}
}

// testBuildOwnRows: two builds write the same key; each keeps serving its
// own row, however often the other writes.
func testBuildOwnRows(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a, b := open("a"), open("b")
	put(t, a, built("a", "/x", "old page", 0, "t"))
	wantServed(t, a, "build a", "/x", "a:old page")
	put(t, b, built("b", "/x", "new page", time.Minute, "t"))
	wantServed(t, b, "build b", "/x", "b:new page")
	for i := range 20 {
		put(t, b, built("b", "/x", fmt.Sprintf("new page %d", i), time.Minute+time.Duration(i), "t"))
		if got := served(a.Get(ctx, "/x")); got != "a:old page" {
			t.Fatalf("build a's Get(/x) after build b's write %d = %s, want its own a:old page", i, got)
		}
		time.Sleep(time.Millisecond)
	}
	wantServed(t, a, "build a", "/x", "a:old page")
	put(t, a, built("a", "/x", "old page again", 2*time.Minute, "t"))
	wantServed(t, a, "build a", "/x", "a:old page again")
	wantServed(t, b, "build b", "/x", "b:new page 19")
	// A second handle of a build shares that build's rows.
	wantServed(t, open("a"), "another handle of build a", "/x", "a:old page again")
}

// testBuildFallback: a key a build has no row of serves the most recently
// generated row of another build, until the build writes its own.
func testBuildFallback(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	open := handles(t)
	a, b, c, tool := open("a"), open("b"), open("c"), open("")
	put(t, a, built("a", "/y", "by a", 0))
	wantServed(t, b, "build b", "/y", "a:by a")
	put(t, c, built("c", "/y", "by c", time.Hour))
	put(t, a, built("a", "/z", "z by a", time.Hour), built("a", "/w", "w by a", 0))
	put(t, c, built("c", "/z", "z by c", 0), built("c", "/w", "w by c", time.Hour))
	for k, want := range map[string]string{"/y": "c:by c", "/w": "c:w by c"} {
		wantServed(t, b, "build b", k, want)
		wantServed(t, tool, "a handle of no build", k, want)
	}
	wantServed(t, b, "build b", "/z", "a:z by a")
	wantServed(t, a, "build a", "/y", "a:by a")
	put(t, b, built("b", "/y", "by b", -time.Hour))
	wantServed(t, b, "build b", "/y", "b:by b")
	wantServed(t, a, "build a", "/y", "a:by a")
	wantServed(t, c, "build c", "/y", "c:by c")
	wantServed(t, b, "build b", "/missing", "not found")
}

// testBuildSetMeta: SetMeta changes the row of its build alone.
func testBuildSetMeta(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a, b := open("a"), open("b")
	put(t, a, built("a", "/x", "by a", 0))
	m := cache.Meta{GeneratedAt: at(time.Hour), BuildID: "b", LastError: "boom", Failures: 3, RetryAt: at(2 * time.Hour)}
	if err := b.SetMeta(ctx, "/x", m); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("SetMeta of build b's row, which does not exist: %v, want ErrNotFound", err)
	}
	put(t, b, built("b", "/x", "by b", time.Minute))
	if err := b.SetMeta(ctx, "/x", m); err != nil {
		t.Fatalf("SetMeta of build b's row: %v", err)
	}
	wantServed(t, b, "build b", "/x", "b:by b")
	if l := get(t, b, "/x"); l.Entry.Failures != 3 || l.Entry.LastError != "boom" || !l.Entry.GeneratedAt.Equal(m.GeneratedAt) {
		t.Errorf("build b's row after its SetMeta: failures %d, last error %q, generated %v; want 3, boom, %v",
			l.Entry.Failures, l.Entry.LastError, l.Entry.GeneratedAt, m.GeneratedAt)
	}
	l, err := reloadOrGet(ctx, a, "/x")
	if err != nil {
		t.Fatal(err)
	}
	if l.Entry.BuildID != "a" || l.Entry.Failures != 0 || l.Entry.LastError != "" || !l.Entry.GeneratedAt.Equal(t0) {
		t.Errorf("build a's row after build b's SetMeta: build %q, failures %d, last error %q, generated %v; want it unchanged",
			l.Entry.BuildID, l.Entry.Failures, l.Entry.LastError, l.Entry.GeneratedAt)
	}
}

// testBuildInvalidate: invalidations, through either handle, cover every
// build's rows, and report each key once.
func testBuildInvalidate(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a, b := open("a"), open("b")
	put(t, a, built("a", "/x", "by a", 0, "t"), built("a", "/only-a", "by a", 0, "t"), built("a", "/p?page=2", "by a", 0))
	put(t, b, built("b", "/x", "by b", 0, "t", "u"), built("b", "/p?page=2", "by b", 0))
	tagAt, pathAt := at(time.Hour), at(2*time.Hour)
	keys, err := b.InvalidateTags(ctx, []string{"t"}, tagAt, cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/only-a", "/x"}, keys); d != "" {
		t.Errorf("InvalidateTags(t) through build b: keys mismatch (-want +got):\n%s", d)
	}
	keys, err = a.InvalidatePaths(ctx, []string{"/p"}, pathAt, cache.Expire)
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/p?page=2"}, keys); d != "" {
		t.Errorf("InvalidatePaths(/p) through build a: keys mismatch (-want +got):\n%s", d)
	}
	keys, err = a.InvalidateTags(ctx, []string{"u"}, tagAt, cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/x"}, keys); d != "" {
		t.Errorf("InvalidateTags(u), a tag of build b's row only, through build a: keys mismatch (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		who  string
		st   cache.Store
		key  string
		want stamps
	}{
		{"build a", a, "/x", stamps{RevalidatedAt: tagAt}},
		{"build b", b, "/x", stamps{RevalidatedAt: tagAt}},
		{"build b", b, "/only-a", stamps{RevalidatedAt: tagAt}},
		{"build a", a, "/p?page=2", stamps{ExpiredAt: pathAt}},
		{"build b", b, "/p?page=2", stamps{ExpiredAt: pathAt}},
	} {
		l, err := reloadOrGet(ctx, c.st, c.key)
		if err != nil {
			t.Fatalf("%s: Reload(%q): %v", c.who, c.key, err)
		}
		if got := stampsOf(l); got != c.want {
			t.Errorf("%s: Reload(%q) stamps = %+v, want %+v", c.who, c.key, got, c.want)
		}
		var got stamps
		for deadline := time.Now().Add(propagation); ; {
			if got = stampsOf(get(t, c.st, c.key)); got == c.want || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if got != c.want {
			t.Errorf("%s: Get(%q) stamps = %+v, want %+v", c.who, c.key, got, c.want)
		}
	}
}

// testBuildDelete: Delete through one build removes every build's rows.
func testBuildDelete(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a, b := open("a"), open("b")
	put(t, a, built("a", "/x", "by a", 0, "t"), built("a", "/keep", "by a", 0))
	put(t, b, built("b", "/x", "by b", 0, "t"))
	wantServed(t, a, "build a", "/x", "a:by a")
	wantServed(t, b, "build b", "/x", "b:by b")
	if err := a.Delete(ctx, "/x"); err != nil {
		t.Fatal(err)
	}
	wantServed(t, a, "build a", "/x", "not found")
	wantServed(t, b, "build b", "/x", "not found")
	wantServed(t, b, "build b", "/keep", "a:by a")
	keys, err := b.InvalidateTags(ctx, []string{"t"}, at(time.Hour), cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("InvalidateTags after Delete = %q, want no keys", keys)
	}
}

// testBuildLease: a build's lease on a key does not stop another build
// from regenerating its own row of the key; two handles of one build
// contend.
func testBuildLease(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a := optional[cache.Leaser](t, open("a"))
	b := optional[cache.Leaser](t, open("b"))
	a2 := optional[cache.Leaser](t, open("a"))
	lease := func(who string, l cache.Leaser, owner string, want bool) {
		t.Helper()
		held, err := l.Lease(ctx, "/x", owner, time.Minute)
		if err != nil {
			t.Fatalf("%s: Lease: %v", who, err)
		}
		if held != want {
			t.Errorf("%s: Lease(/x, %s) = %v, want %v", who, owner, held, want)
		}
	}
	lease("build a", a, "owner-1", true)
	lease("build b", b, "owner-2", true)
	lease("another handle of build a", a2, "owner-3", false)
	if err := a.Release(ctx, "/x", "owner-1"); err != nil {
		t.Fatal(err)
	}
	lease("another handle of build a, after the release", a2, "owner-3", true)
	lease("build b, still holding", b, "owner-2", true)
}

// testBuildList: List returns every build's rows, Stats counts them all,
// and Clear removes them all.
func testBuildList(t *testing.T, handles func(t *testing.T) func(string) cache.Store) {
	ctx := context.Background()
	open := handles(t)
	a, b := open("a"), open("b")
	la := optional[cache.Lister](t, a)
	ea, eb := built("a", "/x", "by a", 0, "t"), built("b", "/x", "by build b", time.Hour, "t")
	put(t, a, ea)
	put(t, b, eb)
	infos, err := la.List(ctx, cache.Filter{Tag: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range infos {
		got = append(got, in.Key+" "+in.BuildID)
	}
	slices.Sort(got)
	if d := keysDiff([]string{"/x a", "/x b"}, got); d != "" {
		t.Errorf("List(Tag: t) rows mismatch (-want +got):\n%s", d)
	}
	st, err := la.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (cache.Stats{Entries: 2, Bytes: ea.Size() + eb.Size(), Tags: 1}); st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	if err := la.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	wantServed(t, a, "build a", "/x", "not found")
	wantServed(t, b, "build b", "/x", "not found")
}
