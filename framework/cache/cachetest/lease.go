package cachetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goxweb/gox/framework/cache"
)

func testLease(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := optional[cache.Leaser](t, open(t))
	steps := []struct {
		name       string
		release    bool // Release instead of Lease
		key, owner string
		want       bool
	}{
		{"first owner takes it", false, "/a", "one", true},
		{"second owner does not", false, "/a", "two", false},
		{"owner renews", false, "/a", "one", true},
		{"other keys are independent", false, "/b", "two", true},
		{"release by a non-owner is ignored", true, "/a", "two", false},
		{"so the lease is still held", false, "/a", "two", false},
		{"owner releases", true, "/a", "one", false},
		{"then anyone can take it", false, "/a", "two", true},
		{"and the first owner cannot", false, "/a", "one", false},
		{"release of a free key is a no-op", true, "/free", "one", false},
	}
	for _, s := range steps {
		if s.release {
			if err := st.Release(ctx, s.key, s.owner); err != nil {
				t.Fatalf("%s: Release(%q, %q): %v", s.name, s.key, s.owner, err)
			}
			continue
		}
		got, err := st.Lease(ctx, s.key, s.owner, time.Hour)
		if err != nil {
			t.Fatalf("%s: Lease(%q, %q): %v", s.name, s.key, s.owner, err)
		}
		if got != s.want {
			t.Errorf("%s: Lease(%q, %q) = %v, want %v", s.name, s.key, s.owner, got, s.want)
		}
	}
}

func testLeaseExpiry(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := optional[cache.Leaser](t, open(t))
	if ok, err := st.Lease(ctx, "/a", "hung", time.Millisecond); err != nil || !ok {
		t.Fatalf("Lease(hung) = %v, %v; want true", ok, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := st.Lease(ctx, "/a", "next", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an expired lease was not taken over within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ok, err := st.Lease(ctx, "/a", "hung", time.Hour); err != nil || ok {
		t.Errorf("Lease(hung) after takeover = %v, %v; want false", ok, err)
	}
	if err := st.Release(ctx, "/a", "hung"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Lease(ctx, "/a", "next", time.Hour); err != nil || !ok {
		t.Errorf("Lease(next) after a stale Release = %v, %v; want true", ok, err)
	}
}

func testCounters(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := optional[cache.CounterStore](t, open(t))
	adds := []map[string]cache.Counters{
		{"/a": {Hits: 1, Misses: 2}, "/b/{id}": {Writes: 1}},
		{},
		{"/a": {Hits: 3, Stale: 1, Regenerations: 1, Failures: 1}},
		{"/a": {Hits: 1 << 40}, "/b/{id}": {Writes: 2, Misses: 1}},
	}
	for _, a := range adds {
		if err := st.AddCounters(ctx, a); err != nil {
			t.Fatalf("AddCounters: %v", err)
		}
	}
	got, err := st.Counters(ctx)
	if err != nil {
		t.Fatalf("Counters: %v", err)
	}
	want := map[string]cache.Counters{
		"/a":      {Hits: 4 + 1<<40, Misses: 2, Stale: 1, Regenerations: 1, Failures: 1},
		"/b/{id}": {Misses: 1, Writes: 3},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("Counters mismatch (-want +got):\n%s", d)
	}
}

func testTouch(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	toucher := optional[cache.Toucher](t, st)
	put(t, st, entry("/a"), entry("/b"))
	later := time.Now().Add(time.Hour)
	if err := toucher.Touch(ctx, map[string]time.Time{"/a": later, "/missing": later}); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	if err := toucher.Touch(ctx, map[string]time.Time{"/a": later.Add(-time.Minute)}); err != nil {
		t.Fatalf("Touch with an older time: %v", err)
	}
	wantNotFound(t, st, "/missing")
	l, ok := st.(cache.Lister)
	if !ok {
		return
	}
	infos, err := l.List(ctx, cache.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"/a", "/b"}, infoKeys(infos)); d != "" {
		t.Fatalf("List after Touch (-want +got):\n%s", d)
	}
	if !infos[0].AccessedAt.Equal(later) {
		t.Errorf("AccessedAt(/a) = %v, want the later touch %v", infos[0].AccessedAt, later)
	}
	if !infos[1].AccessedAt.Before(later) {
		t.Errorf("AccessedAt(/b) = %v, want the time of its Put", infos[1].AccessedAt)
	}
}
