package tiered

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/cachetest"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/cache/sqlite"
)

// openSQLite opens a sqlite store on path that polls every 10 ms.
func openSQLite(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(path, sqlite.Options{PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// open returns a tier over a new sqlite file.
func open(t testing.TB, opts Options) *Store {
	t.Helper()
	return over(t, openSQLite(t, filepath.Join(t.TempDir(), "cache.db")), opts)
}

// over returns a tier over inner, closed when t ends.
func over(t testing.TB, inner cache.Store, opts Options) *Store {
	t.Helper()
	st, err := New(inner, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// page returns a valid entry for key with body and tags.
func page(key, body string, tags ...string) *cache.Entry {
	return &cache.Entry{
		Key: key, Route: cache.KeyPath(key), Status: 200, Body: []byte(body), Sum: xxhash.Sum64String(body),
		Header: map[string][]string{"Content-Type": {"text/html"}}, GeneratedAt: time.Now(), Tags: tags,
	}
}

func TestConformanceOverSQLite(t *testing.T) {
	cachetest.RunWith(t, func(t *testing.T) cache.Store { return open(t, Options{}) }, cachetest.Options{
		BuildHandles: func(t *testing.T) func(string) cache.Store {
			path := filepath.Join(t.TempDir(), "cache.db")
			return func(build string) cache.Store {
				inner, err := sqlite.Open(path, sqlite.Options{BuildID: build, PollInterval: 10 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				return over(t, inner, Options{})
			}
		},
	})
}

func TestConformanceOverMemory(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Store { return over(t, memory.New(), Options{}) })
}

func TestConformanceTierDisabled(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Store { return open(t, Options{MemoryBytes: -1}) })
}

func TestGetFromMemoryDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	st := open(t, Options{})
	if err := st.Put(ctx, page("/a?page=2", "hello", "x", "y")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidateTags(ctx, []string{"y"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "/a?page=2"); err != nil { // fills the tier
		t.Fatal(err)
	}
	var l cache.Lookup
	allocs := testing.AllocsPerRun(1000, func() {
		l, _ = st.Get(ctx, "/a?page=2")
	})
	if allocs != 0 {
		t.Errorf("Get from memory: %v allocations per call, want 0", allocs)
	}
	if l.Entry == nil || l.RevalidatedAt.IsZero() {
		t.Errorf("Get from memory = %+v, want the entry and its stamp", l)
	}
}

// TestPutDropsAndReloadRefreshes: a Put drops the key, the next Get fills
// the tier, Reload reads past the tier and refreshes it.
func TestPutDropsAndReloadRefreshes(t *testing.T) {
	ctx := context.Background()
	st := open(t, Options{})
	if err := st.Put(ctx, page("/a", "hello")); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.entries.GetIfPresent("/a"); ok {
		t.Errorf("the tier holds /a after a Put, want it dropped")
	}
	l, err := st.Get(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := st.Get(ctx, "/a"); again.Entry != l.Entry {
		t.Errorf("a second Get did not come from memory")
	}
	r, err := st.Reload(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	if r.Entry == l.Entry {
		t.Errorf("Reload returned the memory copy, want the row read from the file")
	}
	if l, _ := st.Get(ctx, "/a"); l.Entry != r.Entry {
		t.Errorf("Get after Reload does not return what Reload read")
	}
}

// TestFillGenerations checks the guard against a fill that read the inner
// store before a change landing after it.
func TestFillGenerations(t *testing.T) {
	older := cache.Lookup{Entry: &cache.Entry{Key: "/k", Body: []byte("v1"), Tags: []string{"t"}}}
	tests := []struct {
		name string
		// between runs after the generations are read, before the fill.
		between func(st *Store)
		want    bool // the fill lands
	}{
		{"nothing changed", func(*Store) {}, true},
		{"key dropped", func(st *Store) { st.drop("/k") }, false},
		{"key changed elsewhere", func(st *Store) { st.changed([]cache.Change{{Kind: cache.ChangeEntry, Name: "/k"}}) }, false},
		{"a tag invalidated", func(st *Store) { st.dropCovered([]string{"other"}, nil) }, false},
		{"a path invalidated elsewhere", func(st *Store) { st.changed([]cache.Change{{Kind: cache.ChangePath, Name: "/x"}}) }, false},
		{"everything dropped", func(st *Store) { st.dropAll() }, false},
		{"another key dropped", func(st *Store) { st.drop("/other") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := over(t, memory.New(), Options{})
			gen, inv := st.stripe("/k").gen.Load(), st.invalidations.Load()
			tt.between(st)
			st.fill("/k", older, gen, inv)
			_, got := st.entries.GetIfPresent("/k")
			if got != tt.want {
				t.Errorf("the fill landed: %v, want %v", got, tt.want)
			}
		})
	}
}

// TestInvalidationDropsByIndex shows the tier dropping the entries in
// memory that a tag or path event from another process covers.
func TestInvalidationDropsByIndex(t *testing.T) {
	ctx := context.Background()
	st := over(t, memory.New(), Options{})
	for _, e := range []*cache.Entry{page("/a", "a", "news"), page("/a?page=2", "a2"), page("/b", "b", "news", "sport"), page("/c", "c")} {
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Get(ctx, e.Key); err != nil {
			t.Fatal(err)
		}
	}
	held := func() (keys []string) {
		for _, k := range []string{"/a", "/a?page=2", "/b", "/c"} {
			if _, ok := st.entries.GetIfPresent(k); ok {
				keys = append(keys, k)
			}
		}
		return keys
	}
	st.changed([]cache.Change{{Kind: cache.ChangeTag, Name: "sport"}})
	if got := fmt.Sprint(held()); got != "[/a /a?page=2 /c]" {
		t.Errorf("after tag sport the tier holds %s", got)
	}
	st.changed([]cache.Change{{Kind: cache.ChangePath, Name: "/a"}})
	if got := fmt.Sprint(held()); got != "[/c]" {
		t.Errorf("after path /a the tier holds %s", got)
	}
	st.changed([]cache.Change{{Kind: cache.ChangeAll}})
	if got := held(); len(got) != 0 {
		t.Errorf("after a change of everything the tier holds %s", got)
	}
	st.indexMu.Lock()
	defer st.indexMu.Unlock()
	if len(st.byTag) != 0 || len(st.byPath) != 0 {
		t.Errorf("the index keeps %d tags and %d paths of dropped entries", len(st.byTag), len(st.byPath))
	}
}

// TestStaysWithinItsBound writes and reads ten times the tier's bound: the
// tier never holds more than its bound, and every entry is still read
// whole, from the inner store when the tier dropped it.
func TestStaysWithinItsBound(t *testing.T) {
	const limit, n, size = 1 << 20, 100, 100 << 10
	ctx := context.Background()
	st := open(t, Options{MemoryBytes: limit})
	key := func(i int) string { return fmt.Sprintf("/p/%d", i) }
	held := func() (bytes int64, entries int) {
		st.entries.CleanUp()
		for i := range n {
			if h, ok := st.entries.GetIfPresent(key(i)); ok {
				bytes += h.l.Entry.Size()
				entries++
			}
		}
		return bytes, entries
	}
	for i := range n {
		if err := st.Put(ctx, page(key(i), strings.Repeat(string(rune('a'+i%26)), size))); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		for i := range n {
			l, err := st.Get(ctx, key(i))
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Repeat(string(rune('a'+i%26)), size); string(l.Entry.Body) != want {
				t.Fatalf("Get(%s) body is %d bytes starting %.10q, want %d bytes of %q", key(i), len(l.Entry.Body), l.Entry.Body, size, want[:1])
			}
		}
		if bytes, entries := held(); bytes > limit || entries == 0 {
			t.Errorf("after %d Gets the tier holds %d entries of %d bytes, want some within %d bytes", n, entries, bytes, limit)
		}
	}
}

// TestServesWhatWasVerified shows the tier in front of a row corrupted
// behind the store's back: Get keeps serving the copy it read (memory is
// not re-verified), while Reload, which reads the file, refuses the row
// and drops the copy.
func TestServesWhatWasVerified(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	st := over(t, openSQLite(t, path), Options{})
	if err := st.Put(ctx, page("/a", "<h1>hello</h1>")); err != nil {
		t.Fatal(err)
	}
	good, err := st.Get(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "UPDATE entries SET body = x'00' WHERE key = '/a'"); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Get(ctx, "/a"); err != nil || l.Entry != good.Entry {
		t.Errorf("Get(/a) = %v, %v; want the entry read before", l.Entry, err)
	}
	if _, err := st.Reload(ctx, "/a"); !errors.Is(err, cache.ErrCorrupt) {
		t.Errorf("Reload(/a) error = %v, want ErrCorrupt", err)
	}
	if _, err := st.Get(ctx, "/a"); !errors.Is(err, cache.ErrCorrupt) {
		t.Errorf("Get(/a) after Reload error = %v, want ErrCorrupt", err)
	}
}

// TestReadsReachInnerLRU shows reads served from memory reaching the
// inner store's access times, so that its eviction spares hot pages.
func TestReadsReachInnerLRU(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := over(t, inner, Options{TouchInterval: time.Hour})
	for _, k := range []string{"/old", "/new"} {
		if err := st.Put(ctx, page(k, k)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := st.Get(ctx, "/old"); err != nil { // from the file: fills the tier
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := st.Get(ctx, "/new"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := st.Get(ctx, "/old"); err != nil { // from memory, after /new
		t.Fatal(err)
	}
	if err := st.Put(ctx, page("/third", "third")); err != nil {
		t.Fatal(err)
	}
	infos, err := st.List(ctx, cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, in := range infos {
		keys = append(keys, in.Key)
	}
	if got := fmt.Sprint(keys); got != "[/old /third]" {
		t.Errorf("after a third Put over a bound of 2 the store keeps %s, want [/old /third]: the memory hit on /old was not counted", got)
	}
}

// TestChangesReachOtherTiers runs two tiers over two handles of one file,
// as two processes would: each sees the other's writes and invalidations
// through the change feed, within a few poll intervals.
func TestChangesReachOtherTiers(t *testing.T) {
	stamp := time.Unix(1_700_000_000, 42)
	tests := []struct {
		name   string
		change func(ctx context.Context, a *Store) error
		want   string // b's Get of /a
		stamps [2]time.Time
	}{
		{"put", func(ctx context.Context, a *Store) error { return a.Put(ctx, page("/a", "v2", "t")) }, "v2", [2]time.Time{}},
		{"set meta", func(ctx context.Context, a *Store) error {
			return a.SetMeta(ctx, "/a", cache.Meta{Failures: 2})
		}, "v1", [2]time.Time{}},
		{"delete", func(ctx context.Context, a *Store) error { return a.Delete(ctx, "/a") }, "not found", [2]time.Time{}},
		{"invalidate tag", func(ctx context.Context, a *Store) error {
			_, err := a.InvalidateTags(ctx, []string{"t"}, stamp, cache.Stale)
			return err
		}, "v1", [2]time.Time{stamp, {}}},
		{"invalidate path", func(ctx context.Context, a *Store) error {
			_, err := a.InvalidatePaths(ctx, []string{"/a"}, stamp, cache.Expire)
			return err
		}, "v1", [2]time.Time{{}, stamp}},
		{"clear", func(ctx context.Context, a *Store) error { return a.Clear(ctx) }, "not found", [2]time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "cache.db")
			a := over(t, openSQLite(t, path), Options{})
			b := over(t, openSQLite(t, path), Options{})
			if err := a.Put(ctx, page("/a", "v1", "t")); err != nil {
				t.Fatal(err)
			}
			l, err := b.Get(ctx, "/a")
			if err != nil || string(l.Entry.Body) != "v1" {
				t.Fatalf("b's Get(/a) = %v, %v; want v1", l.Entry, err)
			}
			if _, ok := b.entries.GetIfPresent("/a"); !ok {
				t.Fatal("b's tier does not hold /a after a Get")
			}
			if err := tt.change(ctx, a); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				l, err := b.Get(ctx, "/a")
				got := "not found"
				if err == nil {
					got = string(l.Entry.Body)
				} else if !errors.Is(err, cache.ErrNotFound) {
					t.Fatal(err)
				}
				ok := got == tt.want
				if ok && err == nil {
					ok = l.RevalidatedAt.Equal(tt.stamps[0]) && l.ExpiredAt.Equal(tt.stamps[1]) &&
						(tt.name != "set meta" || l.Entry.Failures == 2)
				}
				if ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("5 s after a's change b's Get(/a) = %q (%+v), want %q stamped %v", got, l, tt.want, tt.stamps)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
