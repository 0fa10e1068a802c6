package cachetest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

func testRoundTrip(t *testing.T, open func(t *testing.T) cache.Store) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	full := &cache.Entry{
		Key:    "/products/1?page=2",
		Route:  "/products/{id}",
		Status: http.StatusOK,
		Header: http.Header{
			"Content-Type": {"text/html; charset=utf-8"},
			"Vary":         {"Accept-Encoding", "Cookie"},
		},
		Body:        []byte("<h1>Product 1</h1>"),
		Gzip:        []byte("\x1f\x8b gzip bytes"),
		Brotli:      []byte("brotli bytes"),
		ETag:        `"a1b2c3"`,
		GeneratedAt: t0,
		FreshUntil:  at(10*time.Minute + time.Nanosecond),
		Tags:        []string{"product-1", "product-list"},
		BuildID:     "build-7",
		LastError:   "load: upstream timeout",
		Failures:    3,
		RetryAt:     at(30*time.Second + 7),
	}
	full.Sum = xxhash.Sum64(full.Body)
	notFound := &cache.Entry{
		Key:         "/docs/a/b",
		Route:       "/docs/{path...}",
		Status:      http.StatusNotFound,
		Body:        binary,
		Sum:         xxhash.Sum64(binary),
		GeneratedAt: at(-time.Hour),
	}
	static := &cache.Entry{
		Key:         "/",
		Route:       "/",
		Status:      http.StatusOK,
		Body:        []byte("home"),
		Sum:         xxhash.Sum64([]byte("home")),
		GeneratedAt: t0,
	}
	tests := []struct {
		name string
		e    *cache.Entry
	}{
		{"every field", full},
		{"not found page with binary body", notFound},
		{"static page without variants or tags", static},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t)
			want := *tt.e
			put(t, st, tt.e)
			got := get(t, st, tt.e.Key)
			if d := entryDiff(&want, got.Entry); d != "" {
				t.Errorf("Get(%q) entry mismatch (-want +got):\n%s", tt.e.Key, d)
			}
			if !got.RevalidatedAt.IsZero() || !got.ExpiredAt.IsZero() {
				t.Errorf("Get(%q) stamps = %v, %v; want zero", tt.e.Key, got.RevalidatedAt, got.ExpiredAt)
			}
			reloaded, err := reloadOrGet(context.Background(), st, tt.e.Key)
			if err != nil {
				t.Fatalf("Reload(%q): %v", tt.e.Key, err)
			}
			if d := entryDiff(&want, reloaded.Entry); d != "" {
				t.Errorf("Reload(%q) entry mismatch (-want +got):\n%s", tt.e.Key, d)
			}
		})
	}
}

func testNotFound(t *testing.T, open func(t *testing.T) cache.Store) {
	st := open(t)
	wantNotFound(t, st, "/missing")
	put(t, st, entry("/present"))
	wantNotFound(t, st, "/present?page=2")
	wantNotFound(t, st, "/presen")
}

func testSum(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	t.Run("missing sum is filled in", func(t *testing.T) {
		st := open(t)
		e := entry("/a")
		e.Sum = 0
		put(t, st, e)
		for _, l := range []cache.Lookup{get(t, st, "/a"), reload(t, st, "/a")} {
			if got, want := l.Entry.Sum, xxhash.Sum64(e.Body); got != want {
				t.Errorf("Sum = %#x, want %#x", got, want)
			}
		}
	})
	t.Run("wrong sum is refused", func(t *testing.T) {
		st := open(t)
		old := entry("/a")
		put(t, st, old)
		bad := withBody(old, "new body")
		bad.Sum++
		if err := st.Put(ctx, bad); !errors.Is(err, cache.ErrCorrupt) {
			t.Fatalf("Put with wrong sum: error = %v, want ErrCorrupt", err)
		}
		if d := entryDiff(old, get(t, st, "/a").Entry); d != "" {
			t.Errorf("entry after refused Put changed (-want +got):\n%s", d)
		}
		bad.Key = "/b"
		if err := st.Put(ctx, bad); !errors.Is(err, cache.ErrCorrupt) {
			t.Fatalf("Put with wrong sum: error = %v, want ErrCorrupt", err)
		}
		wantNotFound(t, st, "/b")
	})
}

// reload returns the lookup for key from Reload or fails the test.
func reload(t *testing.T, st cache.Store, key string) cache.Lookup {
	t.Helper()
	l, err := reloadOrGet(context.Background(), st, key)
	if err != nil {
		t.Fatalf("Reload(%q): %v", key, err)
	}
	return l
}

func testReplaceTags(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	put(t, st, entry("/p", "old", "kept"), entry("/q", "old"))
	put(t, st, withBody(entry("/p", "kept", "new"), "second render"))

	if got := get(t, st, "/p").Entry; string(got.Body) != "second render" {
		t.Errorf("Get(/p) body = %q, want the replacement", got.Body)
	}
	tests := []struct {
		tag  string
		want []string
	}{
		{"old", []string{"/q"}},
		{"kept", []string{"/p"}},
		{"new", []string{"/p"}},
	}
	for _, tt := range tests {
		keys, err := st.InvalidateTags(ctx, []string{tt.tag}, at(time.Hour), cache.Stale)
		if err != nil {
			t.Fatal(err)
		}
		if d := keysDiff(tt.want, keys); d != "" {
			t.Errorf("InvalidateTags(%q) keys mismatch (-want +got):\n%s", tt.tag, d)
		}
		l, ok := st.(cache.Lister)
		if !ok {
			continue
		}
		infos, err := l.List(ctx, cache.Filter{Tag: tt.tag})
		if err != nil {
			t.Fatal(err)
		}
		if d := keysDiff(tt.want, infoKeys(infos)); d != "" {
			t.Errorf("List(Tag: %q) keys mismatch (-want +got):\n%s", tt.tag, d)
		}
	}
}

func testSetMeta(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	orig := entry("/a", "t")
	orig.Gzip = []byte("gz")
	want := *orig
	put(t, st, orig)
	before := get(t, st, "/a")

	m := cache.Meta{
		GeneratedAt: at(time.Hour),
		FreshUntil:  at(2*time.Hour + 1),
		BuildID:     orig.BuildID,
		LastError:   "render: boom",
		Failures:    2,
		RetryAt:     at(time.Hour + time.Minute + 3),
	}
	if err := st.SetMeta(ctx, "/a", m); err != nil {
		t.Fatalf("SetMeta: %v", err)
	}
	updated := want
	updated.GeneratedAt, updated.FreshUntil = m.GeneratedAt, m.FreshUntil
	updated.LastError, updated.Failures, updated.RetryAt = m.LastError, m.Failures, m.RetryAt
	for name, l := range map[string]cache.Lookup{"Get": get(t, st, "/a"), "Reload": reload(t, st, "/a")} {
		if d := entryDiff(&updated, l.Entry); d != "" {
			t.Errorf("%s after SetMeta mismatch (-want +got):\n%s", name, d)
		}
	}
	if d := entryDiff(&want, before.Entry); d != "" {
		t.Errorf("SetMeta modified an entry already handed out (-want +got):\n%s", d)
	}
	keys, err := st.InvalidateTags(ctx, []string{"t"}, at(3*time.Hour), cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/a"}, keys); d != "" {
		t.Errorf("tags after SetMeta mismatch (-want +got):\n%s", d)
	}
	if err := st.SetMeta(ctx, "/missing", m); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("SetMeta(/missing) error = %v, want ErrNotFound", err)
	}
	wantNotFound(t, st, "/missing")
}

func testDelete(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	put(t, st, entry("/a", "t"), entry("/b", "t"), entry("/c", "t"))
	if err := st.Delete(ctx, "/a", "/missing", "/c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := st.Delete(ctx); err != nil {
		t.Fatalf("Delete with no keys: %v", err)
	}
	wantNotFound(t, st, "/a")
	wantNotFound(t, st, "/c")
	get(t, st, "/b")
	keys, err := st.InvalidateTags(ctx, []string{"t"}, t0, cache.Stale)
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/b"}, keys); d != "" {
		t.Errorf("InvalidateTags after Delete mismatch (-want +got):\n%s", d)
	}
	l, ok := st.(cache.Lister)
	if !ok {
		return
	}
	infos, err := l.List(ctx, cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := keysDiff([]string{"/b"}, infoKeys(infos)); d != "" {
		t.Errorf("List after Delete mismatch (-want +got):\n%s", d)
	}
}

func testClear(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	lister := optional[cache.Lister](t, st)
	leaser, leases := st.(cache.Leaser)
	counter, counts := st.(cache.CounterStore)
	put(t, st, entry("/a", "t"), entry("/b"))
	if _, err := st.InvalidateTags(ctx, []string{"t"}, t0, cache.Expire); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidatePaths(ctx, []string{"/a"}, t0, cache.Stale); err != nil {
		t.Fatal(err)
	}
	if leases {
		if ok, err := leaser.Lease(ctx, "/a", "one", time.Hour); err != nil || !ok {
			t.Fatalf("Lease = %v, %v; want true", ok, err)
		}
	}
	if counts {
		if err := counter.AddCounters(ctx, map[string]cache.Counters{"/": {Hits: 1}}); err != nil {
			t.Fatal(err)
		}
	}

	if err := lister.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	wantNotFound(t, st, "/a")
	wantNotFound(t, st, "/b")
	stats, err := lister.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (cache.Stats{}) {
		t.Errorf("Stats after Clear = %+v, want zero", stats)
	}
	if counts {
		counters, err := counter.Counters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(counters) != 0 {
			t.Errorf("Counters after Clear = %v, want none", counters)
		}
	}
	if leases {
		if ok, err := leaser.Lease(ctx, "/a", "two", time.Hour); err != nil || !ok {
			t.Errorf("Lease by another owner after Clear = %v, %v; want true", ok, err)
		}
	}
	put(t, st, entry("/a", "t"))
	if got := stampsOf(get(t, st, "/a")); got != (stamps{}) {
		t.Errorf("stamps after Clear = %+v, want zero", got)
	}
}

// infoKeys returns the keys of infos in their order.
func infoKeys(infos []cache.Info) []string {
	keys := make([]string, len(infos))
	for i, in := range infos {
		keys[i] = in.Key
	}
	return keys
}
