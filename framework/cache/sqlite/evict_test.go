package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goxweb/gox/framework/cache"
)

// step is one operation of an eviction scenario: put key with a body of
// size bytes, or get key.
type step struct {
	op   string // "put" or "get"
	key  string
	size int
}

func TestEvictLeastRecentlyUsed(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		steps []step
		want  []string // keys left, sorted
	}{
		{
			name:  "entries bound",
			opts:  Options{MaxEntries: 3},
			steps: []step{{"put", "/a", 10}, {"put", "/b", 10}, {"put", "/c", 10}, {"get", "/a", 0}, {"put", "/d", 10}},
			want:  []string{"/a", "/c", "/d"},
		},
		{
			name: "entries bound, reads from the file",
			opts: Options{MaxEntries: 3},
			steps: []step{{"put", "/a", 10}, {"put", "/b", 10}, {"put", "/c", 10}, {"get", "/b", 0}, {"get", "/a", 0},
				{"put", "/d", 10}, {"put", "/e", 10}},
			want: []string{"/a", "/d", "/e"},
		},
		{
			name:  "replacing a key does not evict",
			opts:  Options{MaxEntries: 2},
			steps: []step{{"put", "/a", 10}, {"put", "/b", 10}, {"put", "/a", 20}, {"put", "/a", 30}},
			want:  []string{"/a", "/b"},
		},
		{
			name:  "bytes bound",
			opts:  Options{MaxBytes: 350},
			steps: []step{{"put", "/a", 100}, {"put", "/b", 100}, {"put", "/c", 100}, {"get", "/a", 0}, {"put", "/d", 100}},
			want:  []string{"/a", "/c", "/d"},
		},
		{
			name: "bytes bound evicts as many as needed",
			opts: Options{MaxBytes: 350},
			steps: []step{{"put", "/a", 100}, {"put", "/b", 100}, {"put", "/c", 100}, {"get", "/a", 0},
				{"put", "/big", 250}},
			want: []string{"/a", "/big"},
		},
		{
			name:  "both bounds, bytes first",
			opts:  Options{MaxEntries: 10, MaxBytes: 250},
			steps: []step{{"put", "/a", 100}, {"put", "/b", 100}, {"get", "/a", 0}, {"put", "/c", 100}},
			want:  []string{"/a", "/c"},
		},
		{
			name:  "both bounds, entries first",
			opts:  Options{MaxEntries: 2, MaxBytes: 1000},
			steps: []step{{"put", "/a", 100}, {"put", "/b", 100}, {"get", "/a", 0}, {"put", "/c", 100}},
			want:  []string{"/a", "/c"},
		},
		{
			name:  "an entry over the bound alone is kept",
			opts:  Options{MaxBytes: 150},
			steps: []step{{"put", "/a", 100}, {"put", "/huge", 500}},
			want:  []string{"/huge"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, tt.opts)
			var all []string
			for _, s := range tt.steps {
				run(t, st, s)
				all = append(all, s.key)
			}
			checkKeys(t, st, tt.want)
			// The tag index forgets evicted entries: every page carries
			// the tag "all".
			keys, err := st.InvalidateTags(ctx, []string{"all"}, time.Now(), cache.Stale)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, keys, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("InvalidateTags(all) after eviction (-want +got):\n%s", d)
			}
			var rows int
			if err := rawDB(t, st).QueryRowContext(ctx, "SELECT count(*) FROM entry_tags").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != len(tt.want) {
				t.Errorf("entry_tags has %d rows, want %d", rows, len(tt.want))
			}
			for _, k := range all {
				_, err := st.Get(ctx, k)
				evicted := !slices.Contains(tt.want, k)
				if evicted != errors.Is(err, cache.ErrNotFound) {
					t.Errorf("Get(%s) error = %v, evicted = %v", k, err, evicted)
				}
			}
		})
	}
}

// TestEvictAfterReopen shows that reads recorded in memory reach the file
// when the store closes, so a restarted server keeps its LRU order.
func TestEvictAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	opts := Options{MaxEntries: 3}
	st, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []step{{"put", "/a", 10}, {"put", "/b", 10}, {"put", "/c", 10}, {"get", "/a", 0}} {
		run(t, st, s)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run(t, st, step{"put", "/d", 10})
	checkKeys(t, st, []string{"/a", "/c", "/d"})
}

func run(t *testing.T, st *Store, s step) {
	t.Helper()
	ctx := context.Background()
	switch s.op {
	case "put":
		e := page(s.key, strings.Repeat("x", s.size), "all")
		e.Gzip = nil // size is the body alone
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	case "get":
		if _, err := st.Get(ctx, s.key); err != nil {
			t.Fatal(err)
		}
	}
}

// checkKeys checks the store holds exactly want, and that its totals agree.
func checkKeys(t *testing.T, st *Store, want []string) {
	t.Helper()
	infos, err := st.List(context.Background(), cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var bytes int64
	for _, in := range infos {
		got = append(got, in.Key)
		bytes += in.Size
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("keys after eviction (-want +got):\n%s", d)
	}
	stats, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Entries != int64(len(want)) || stats.Bytes != bytes {
		t.Errorf("Stats = %+v, want %d entries of %d bytes", stats, len(want), bytes)
	}
}

// TestEvictPerRoute fills the route /p/{x} past its bound after the
// entries of /other/{x}: a store-wide LRU would evict the older /other
// pages, the route's bound evicts the route's own oldest pages.
func TestEvictPerRoute(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		steps []step
		want  []string
	}{
		{
			name: "entries bound",
			opts: Options{MaxEntriesPerRoute: 3},
			steps: []step{{"put", "/other/a", 10}, {"put", "/other/b", 10}, {"put", "/p/1", 10}, {"put", "/p/2", 10},
				{"put", "/p/3", 10}, {"get", "/p/1", 0}, {"put", "/p/4", 10}, {"put", "/p/5", 10}},
			want: []string{"/other/a", "/other/b", "/p/1", "/p/4", "/p/5"},
		},
		{
			name: "entries bound, reads from the file",
			opts: Options{MaxEntriesPerRoute: 2},
			steps: []step{{"put", "/other/a", 10}, {"put", "/p/1", 10}, {"put", "/p/2", 10}, {"get", "/p/1", 0},
				{"put", "/p/3", 10}},
			want: []string{"/other/a", "/p/1", "/p/3"},
		},
		{
			name: "bytes bound",
			opts: Options{MaxBytesPerRoute: 250},
			steps: []step{{"put", "/other/a", 100}, {"put", "/other/b", 100}, {"put", "/p/1", 100},
				{"put", "/p/2", 100}, {"put", "/p/3", 100}},
			want: []string{"/other/a", "/other/b", "/p/2", "/p/3"},
		},
		{
			name: "route and store bounds",
			opts: Options{MaxEntriesPerRoute: 2, MaxEntries: 3},
			steps: []step{{"put", "/other/a", 10}, {"put", "/other/b", 10}, {"put", "/p/1", 10}, {"put", "/p/2", 10},
				{"put", "/p/3", 10}},
			want: []string{"/other/b", "/p/2", "/p/3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, tt.opts)
			for _, s := range tt.steps {
				if s.op == "put" {
					e := page(s.key, strings.Repeat("x", s.size), "all", "key:"+s.key)
					e.Route, e.Gzip = routeOf(s.key), nil
					if err := st.Put(ctx, e); err != nil {
						t.Fatal(err)
					}
					continue
				}
				run(t, st, s)
			}
			checkKeys(t, st, tt.want)
			keys, err := st.InvalidateTags(ctx, []string{"all"}, time.Now(), cache.Stale)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, keys); d != "" {
				t.Errorf("InvalidateTags(all) after eviction (-want +got):\n%s", d)
			}
			db := rawDB(t, st)
			for _, c := range []struct{ what, query string }{
				{"tag index rows without an entry", "SELECT count(*) FROM entry_tags WHERE key NOT IN (SELECT key FROM entries)"},
				{"access rows without an entry", "SELECT count(*) FROM access WHERE key NOT IN (SELECT key FROM entries)"},
				{"route totals that disagree with the entries", `SELECT count(*) FROM (
					SELECT route, count(*) AS n, sum(size) AS b FROM entries GROUP BY route) e
					FULL JOIN route_totals r USING (route)
					WHERE r.entries IS NOT e.n OR r.bytes IS NOT e.b`},
			} {
				var n int
				if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("%d %s", n, c.what)
				}
			}
		})
	}
}

// routeOf returns the route of a key such as /p/1: /p/{x}.
func routeOf(key string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(key, "/"), "/")
	return "/" + first + "/{x}"
}

// TestNotFoundNeverEvictsRealPages crawls 20,000 unknown slugs of the
// route of six real pages, with the store bound to 10,000 entries: each
// unknown slug is a cached 404, and they must push out only each other.
func TestNotFoundNeverEvictsRealPages(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantNFMax  int64 // bound on the route's 404s left
		crawl, hot int
	}{
		{"default bound of 404s", Options{MaxEntries: 10_000}, 500, 20_000, 6},
		{"404 bound set", Options{MaxEntries: 1_000, MaxNotFoundPerRoute: 50}, 50, 2_000, 6},
		{"no 404 bound, route bound", Options{MaxEntries: 1_000, MaxNotFoundPerRoute: -1}, 500, 2_000, 6},
		{"no 404 bound, store bound", Options{MaxEntries: 1_000, MaxEntriesPerRoute: -1, MaxNotFoundPerRoute: -1}, 994, 2_000, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := open(t, tt.opts)
			var real []string
			for i := range tt.hot {
				k := fmt.Sprintf("/products/real-%d", i)
				e := page(k, "product "+k, "product-list")
				e.Route = "/products/{slug}"
				if err := st.Put(ctx, e); err != nil {
					t.Fatal(err)
				}
				real = append(real, k)
			}
			for i := range tt.crawl {
				k := fmt.Sprintf("/products/unknown-%d", i)
				e := page(k, "not found", "product-list")
				e.Route, e.Status, e.Gzip = "/products/{slug}", http.StatusNotFound, nil
				if err := st.Put(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range real {
				if _, err := st.Get(ctx, k); err != nil {
					t.Errorf("Get(%s) after the crawl: %v", k, err)
				}
			}
			var notFound, rowsNF int64
			db := rawDB(t, st)
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM entries WHERE status = 404").Scan(&notFound); err != nil {
				t.Fatal(err)
			}
			if notFound > tt.wantNFMax || notFound == 0 {
				t.Errorf("%d cached 404s left, want 1 to %d", notFound, tt.wantNFMax)
			}
			if err := db.QueryRowContext(ctx, "SELECT notfound FROM route_totals WHERE route = '/products/{slug}'").Scan(&rowsNF); err != nil {
				t.Fatal(err)
			}
			if rowsNF != notFound {
				t.Errorf("route_totals counts %d 404s, the entries %d", rowsNF, notFound)
			}
		})
	}
}
