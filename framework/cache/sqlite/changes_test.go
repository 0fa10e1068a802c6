package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/cache"
)

// pair opens two stores on one file, as two processes would; b polls only
// when the test calls b.poll, so the test controls what b has seen.
func pair(t *testing.T) (a, b *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache.db")
	var err error
	if a, err = Open(path, Options{PollInterval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if b, err = Open(path, Options{PollInterval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// body returns what b's Get serves for key, or the error.
func body(t *testing.T, st *Store, key string) string {
	t.Helper()
	l, err := st.Get(context.Background(), key)
	if err != nil {
		return err.Error()
	}
	return string(l.Entry.Body)
}

func TestChangesReachOtherStores(t *testing.T) {
	stamp := time.Unix(1_700_000_000, 42)
	tests := []struct {
		name   string
		change func(ctx context.Context, a *Store) error
		want   string // b's Get of /a after its poll
		stamps [2]time.Time
		fed    []cache.Change // to b's subscribers
	}{
		{"put", func(ctx context.Context, a *Store) error { return a.Put(ctx, page("/a", "v2", "t")) }, "v2", [2]time.Time{},
			[]cache.Change{{Kind: cache.ChangeEntry, Name: "/a"}}},
		{"set meta", func(ctx context.Context, a *Store) error {
			return a.SetMeta(ctx, "/a", cache.Meta{Failures: 2})
		}, "v1", [2]time.Time{}, []cache.Change{{Kind: cache.ChangeEntry, Name: "/a"}}},
		{"delete", func(ctx context.Context, a *Store) error { return a.Delete(ctx, "/a") }, "not found", [2]time.Time{},
			[]cache.Change{{Kind: cache.ChangeEntry, Name: "/a"}}},
		{"invalidate tag", func(ctx context.Context, a *Store) error {
			_, err := a.InvalidateTags(ctx, []string{"t"}, stamp, cache.Stale)
			return err
		}, "v1", [2]time.Time{stamp, {}}, []cache.Change{{Kind: cache.ChangeTag, Name: "t"}}},
		{"invalidate path", func(ctx context.Context, a *Store) error {
			_, err := a.InvalidatePaths(ctx, []string{"/a"}, stamp, cache.Expire)
			return err
		}, "v1", [2]time.Time{{}, stamp}, []cache.Change{{Kind: cache.ChangePath, Name: "/a"}}},
		{"clear", func(ctx context.Context, a *Store) error { return a.Clear(ctx) }, "not found", [2]time.Time{},
			[]cache.Change{{Kind: cache.ChangeAll}}},
		{"eviction", func(ctx context.Context, a *Store) error {
			a.opts.MaxEntries = 1
			return a.Put(ctx, page("/z", "z"))
		}, "not found", [2]time.Time{}, []cache.Change{{Kind: cache.ChangeEntry, Name: "/z"}, {Kind: cache.ChangeEntry, Name: "/a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a, b := pair(t)
			if err := a.Put(ctx, page("/a", "v1", "t")); err != nil {
				t.Fatal(err)
			}
			if got := body(t, b, "/a"); got != "v1" {
				t.Fatalf("b's Get(/a) = %q, want v1", got)
			}
			if err := b.poll(ctx); err != nil {
				t.Fatal(err)
			}
			var fed []cache.Change
			cancel := b.Subscribe(func(cs []cache.Change) { fed = append(fed, cs...) })
			defer cancel()
			var own []cache.Change
			cancelOwn := a.Subscribe(func(cs []cache.Change) { own = append(own, cs...) })
			defer cancelOwn()
			if err := tt.change(ctx, a); err != nil {
				t.Fatal(err)
			}
			if err := b.poll(ctx); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.fed, fed); d != "" {
				t.Errorf("b's change feed (-want +got):\n%s", d)
			}
			// a's feed reports only what a did not ask for: the eviction.
			var wantOwn []cache.Change
			if tt.name == "eviction" {
				wantOwn = []cache.Change{{Kind: cache.ChangeEntry, Name: "/a"}}
			}
			if d := cmp.Diff(wantOwn, own); d != "" {
				t.Errorf("a's change feed (-want +got):\n%s", d)
			}
			got := body(t, b, "/a")
			if strings.Contains(got, cache.ErrNotFound.Error()) {
				got = "not found"
			}
			if got != tt.want {
				t.Errorf("b's Get(/a) after the change = %q, want %q", got, tt.want)
			}
			if got != "v1" {
				return
			}
			l, _ := b.Get(ctx, "/a")
			if !l.RevalidatedAt.Equal(tt.stamps[0]) || !l.ExpiredAt.Equal(tt.stamps[1]) {
				t.Errorf("b's stamps = %v, %v; want %v, %v", l.RevalidatedAt, l.ExpiredAt, tt.stamps[0], tt.stamps[1])
			}
			if tt.name == "set meta" && l.Entry.Failures != 2 {
				t.Errorf("b's Failures = %d, want 2", l.Entry.Failures)
			}
		})
	}
}

// TestPrunedChangeLogResyncs shows a store that missed change rows
// (pruned before it polled) telling its subscribers that anything may have
// changed rather than what it can no longer know.
func TestPrunedChangeLogResyncs(t *testing.T) {
	ctx := context.Background()
	a, b := pair(t)
	for _, k := range []string{"/a", "/b"} {
		if err := a.Put(ctx, page(k, "v1")); err != nil {
			t.Fatal(err)
		}
		body(t, b, k)
	}
	if err := b.poll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"/a", "/b"} {
		if err := a.Put(ctx, page(k, "v2")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.write.ExecContext(ctx, "DELETE FROM changes WHERE seq < (SELECT max(seq) FROM changes)"); err != nil {
		t.Fatal(err)
	}
	var fed []cache.Change
	defer b.Subscribe(func(cs []cache.Change) { fed = append(fed, cs...) })()
	if err := b.poll(ctx); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]cache.Change{{Kind: cache.ChangeAll}}, fed); d != "" {
		t.Errorf("b's change feed after pruning (-want +got):\n%s", d)
	}
	for _, k := range []string{"/a", "/b"} {
		if got := body(t, b, k); got != "v2" {
			t.Errorf("b's Get(%s) = %q, want v2", k, got)
		}
	}
}

func TestPruneKeepsNewestChange(t *testing.T) {
	ctx := context.Background()
	a, _ := pair(t)
	for _, k := range []string{"/a", "/b", "/c"} {
		if err := a.Put(ctx, page(k, "v1")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.write.ExecContext(ctx, "UPDATE changes SET at = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.write.ExecContext(ctx, "INSERT INTO leases VALUES ('/old', '', 'x', 1), ('/new', '', 'x', ?)",
		time.Now().Add(time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := a.prune(ctx); err != nil {
		t.Fatal(err)
	}
	var changes, leases int
	if err := a.read.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM leases)").
		Scan(&changes, &leases); err != nil {
		t.Fatal(err)
	}
	if changes != 1 || leases != 1 {
		t.Errorf("after prune: %d change rows and %d leases, want 1 and 1", changes, leases)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	nested := filepath.Join(dir, "app", ".gox", "cache.db")
	st, err := Open(nested, Options{})
	if err != nil {
		t.Fatalf("Open in a missing directory: %v", err)
	}
	if err := st.Put(context.Background(), page("/", "home")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.write.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = Open(nested, Options{})
	if err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
		t.Errorf("Open of a newer schema: error = %v, want a refusal", err)
	}

	odd := filepath.Join(dir, "a dir?with#odd%chars", "cache.db")
	st, err = Open(odd, Options{})
	if err != nil {
		t.Fatalf("Open(%q): %v", odd, err)
	}
	defer st.Close()
	if err := st.Put(context.Background(), page("/", "home")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reload(context.Background(), "/"); err != nil {
		t.Errorf("Reload from %q: %v", odd, err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := st.Get(context.Background(), "/"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Get after Close: error = %v, want ErrClosed", err)
	}
}
