// Package cachetest is the conformance suite every gox cache.Store runs.
//
// A backend proves it behaves like the others (entries round-trip exactly,
// tag and path invalidation report the right stamps and keys, leases are
// exclusive, counters add up) by calling Run from its own tests. The parts
// about an optional interface (cache.Leaser, cache.Lister, cache.Reloader,
// cache.CounterStore, cache.Toucher) run when the store implements it and
// are skipped otherwise:
//
//	func TestConformance(t *testing.T) {
//		cachetest.Run(t, func(t *testing.T) cache.Store {
//			st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// A store that keeps each build's rows apart, so that two builds of an app
// sharing it never overwrite each other's pages, opts into the tests of
// that too, with RunWith and Options.BuildHandles.
//
// Run the suite with -race: it includes a test in which many goroutines
// write, read and invalidate the same keys at once.
package cachetest

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goxweb/gox/framework/cache"
)

// Run runs the conformance suite as subtests of t. open is called once per
// subtest (or table case) with that subtest's t; it must return a new, empty
// store and close it when t ends (t.Cleanup). A store the suite closes itself
// may be closed again by that cleanup.
func Run(t *testing.T, open func(t *testing.T) cache.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open) })
	t.Run("Sum", func(t *testing.T) { testSum(t, open) })
	t.Run("ReplaceTags", func(t *testing.T) { testReplaceTags(t, open) })
	t.Run("SetMeta", func(t *testing.T) { testSetMeta(t, open) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("Clear", func(t *testing.T) { testClear(t, open) })
	t.Run("InvalidateTags", func(t *testing.T) { testInvalidateTags(t, open) })
	t.Run("InvalidatePaths", func(t *testing.T) { testInvalidatePaths(t, open) })
	t.Run("StampsMax", func(t *testing.T) { testStampsMax(t, open) })
	t.Run("StampsPersist", func(t *testing.T) { testStampsPersist(t, open) })
	t.Run("Lease", func(t *testing.T) { testLease(t, open) })
	t.Run("LeaseExpiry", func(t *testing.T) { testLeaseExpiry(t, open) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, open) })
	t.Run("Touch", func(t *testing.T) { testTouch(t, open) })
	t.Run("List", func(t *testing.T) { testList(t, open) })
	t.Run("Stats", func(t *testing.T) { testStats(t, open) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open) })
}

// t0 is the suite's reference time. It has a nanosecond part so that a
// store rounding times to micro- or milliseconds fails the round trip.
var t0 = time.Unix(1_700_000_000, 123_456_789)

// at returns t0 plus d, for readable stamps and generation times.
func at(d time.Duration) time.Time { return t0.Add(d) }

// entry returns a complete, valid entry for key carrying tags.
func entry(key string, tags ...string) *cache.Entry {
	body := []byte("<html><body>page " + key + "</body></html>")
	return &cache.Entry{
		Key:         key,
		Route:       cache.KeyPath(key),
		Status:      http.StatusOK,
		Header:      http.Header{"Content-Type": {"text/html; charset=utf-8"}},
		Body:        body,
		ETag:        `"` + key + `"`,
		Sum:         xxhash.Sum64(body),
		GeneratedAt: t0,
		FreshUntil:  at(time.Minute),
		Tags:        tags,
		BuildID:     "build-1",
	}
}

// withBody returns a copy of e whose body (and sum and ETag) is body.
func withBody(e *cache.Entry, body string) *cache.Entry {
	c := *e
	c.Body = []byte(body)
	c.Sum = xxhash.Sum64(c.Body)
	c.ETag = `"` + body + `"`
	return &c
}

// put stores entries or fails the test.
func put(t *testing.T, st cache.Store, entries ...*cache.Entry) {
	t.Helper()
	for _, e := range entries {
		if err := st.Put(context.Background(), e); err != nil {
			t.Fatalf("Put(%q): %v", e.Key, err)
		}
	}
}

// get returns the lookup for key or fails the test.
func get(t *testing.T, st cache.Store, key string) cache.Lookup {
	t.Helper()
	l, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if l.Entry == nil {
		t.Fatalf("Get(%q): nil entry without error", key)
	}
	return l
}

// wantNotFound fails the test unless key has no entry, by Get and Reload.
func wantNotFound(t *testing.T, st cache.Store, key string) {
	t.Helper()
	if _, err := st.Get(context.Background(), key); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get(%q) error = %v, want ErrNotFound", key, err)
	}
	if _, err := reloadOrGet(context.Background(), st, key); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Reload(%q) error = %v, want ErrNotFound", key, err)
	}
}

// reloadOrGet is st's Reload when st is a cache.Reloader, else its Get.
func reloadOrGet(ctx context.Context, st cache.Store, key string) (cache.Lookup, error) {
	if r, ok := st.(cache.Reloader); ok {
		return r.Reload(ctx, key)
	}
	return st.Get(ctx, key)
}

// optional returns st as the optional interface I, or skips the test when
// st does not implement it.
func optional[I any](t *testing.T, st cache.Store) I {
	t.Helper()
	i, ok := st.(I)
	if !ok {
		t.Skipf("%T does not implement %v", st, reflect.TypeFor[I]())
	}
	return i
}

// entryDiff compares entries field by field; nil and empty slices and
// maps are equal, since a store may not tell them apart.
func entryDiff(want, got *cache.Entry) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// keysDiff compares key sets regardless of order.
func keysDiff(want, got []string) string {
	return cmp.Diff(sorted(want), sorted(got), cmpopts.EquateEmpty())
}

// sorted returns keys sorted, so that results in store order compare
// with a literal.
func sorted(keys []string) []string {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return keys
}

// stamps is the part of a lookup the invalidation tests compare.
type stamps struct {
	RevalidatedAt, ExpiredAt time.Time
}

func stampsOf(l cache.Lookup) stamps {
	return stamps{RevalidatedAt: l.RevalidatedAt, ExpiredAt: l.ExpiredAt}
}
