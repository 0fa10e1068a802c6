package cachetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

func testClosed(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	put(t, st, entry("/a", "t"))
	get(t, st, "/a")
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	type call struct {
		name string
		call func() error
	}
	calls := []call{
		{"Get", func() error { _, err := st.Get(ctx, "/a"); return err }},
		{"Put", func() error { return st.Put(ctx, entry("/b")) }},
		{"SetMeta", func() error { return st.SetMeta(ctx, "/a", cache.Meta{}) }},
		{"Delete", func() error { return st.Delete(ctx, "/a") }},
		{"InvalidateTags", func() error { _, err := st.InvalidateTags(ctx, []string{"t"}, t0, cache.Stale); return err }},
		{"InvalidatePaths", func() error { _, err := st.InvalidatePaths(ctx, []string{"/a"}, t0, cache.Stale); return err }},
	}
	if r, ok := st.(cache.Reloader); ok {
		calls = append(calls, call{"Reload", func() error { _, err := r.Reload(ctx, "/a"); return err }})
	}
	if l, ok := st.(cache.Leaser); ok {
		calls = append(calls,
			call{"Lease", func() error { _, err := l.Lease(ctx, "/a", "one", time.Second); return err }},
			call{"Release", func() error { return l.Release(ctx, "/a", "one") }})
	}
	if c, ok := st.(cache.CounterStore); ok {
		calls = append(calls,
			call{"AddCounters", func() error { return c.AddCounters(ctx, map[string]cache.Counters{"/": {Hits: 1}}) }},
			call{"Counters", func() error { _, err := c.Counters(ctx); return err }})
	}
	if l, ok := st.(cache.Lister); ok {
		calls = append(calls,
			call{"Clear", func() error { return l.Clear(ctx) }},
			call{"List", func() error { _, err := l.List(ctx, cache.Filter{}); return err }},
			call{"Stats", func() error { _, err := l.Stats(ctx); return err }})
	}
	if tc, ok := st.(cache.Toucher); ok {
		calls = append(calls, call{"Touch", func() error { return tc.Touch(ctx, map[string]time.Time{"/a": t0}) }})
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("%s after Close: error = %v, want ErrClosed", c.name, err)
		}
	}
}

// testConcurrent has goroutines write, read and invalidate the same few
// keys at once. Under -race it finds unsynchronized state; without it, it
// still checks that no reader ever sees a torn entry.
func testConcurrent(t *testing.T, open func(t *testing.T) cache.Store) {
	const (
		workers = 8
		rounds  = 150
	)
	ctx := context.Background()
	st := open(t)
	keys := []string{"/a", "/a?page=2", "/b", "/c"}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("worker-%d", w)
			for i := range rounds {
				key := keys[(w+i)%len(keys)]
				if err := concurrentStep(ctx, st, owner, key, w*rounds+i); err != nil {
					t.Errorf("%s round %d on %s: %v", owner, i, key, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Once writers are done, a store's local tier must agree with its
	// storage: no write may leave an older version behind in memory.
	for _, k := range keys {
		l, err := st.Get(ctx, k)
		r, rerr := reloadOrGet(ctx, st, k)
		if errors.Is(err, cache.ErrNotFound) || errors.Is(rerr, cache.ErrNotFound) {
			if !errors.Is(err, cache.ErrNotFound) || !errors.Is(rerr, cache.ErrNotFound) {
				t.Errorf("after the storm, Get(%q) error = %v but Reload error = %v", k, err, rerr)
			}
			continue
		}
		if err != nil || rerr != nil {
			t.Errorf("after the storm, Get(%q) = %v, Reload = %v", k, err, rerr)
			continue
		}
		if err := checkWhole(k, l); err != nil {
			t.Error(err)
		}
		if d := entryDiff(r.Entry, l.Entry); d != "" {
			t.Errorf("after the storm, Get(%q) differs from Reload (-reload +get):\n%s", k, d)
		}
	}
}

// concurrentStep performs the operation selected by n on key.
func concurrentStep(ctx context.Context, st cache.Store, owner, key string, n int) error {
	switch n % 10 {
	case 0, 1, 2:
		e := withBody(entry(key, "all", "tag-"+key), fmt.Sprintf("render %d of %s", n, key))
		e.GeneratedAt = at(time.Duration(n))
		return st.Put(ctx, e)
	case 3:
		err := st.SetMeta(ctx, key, cache.Meta{GeneratedAt: at(time.Duration(n)), Failures: n, BuildID: "build-1"})
		if errors.Is(err, cache.ErrNotFound) {
			return nil
		}
		return err
	case 4:
		_, err := st.InvalidateTags(ctx, []string{"all", "tag-" + key}, at(time.Duration(n)), cache.Mode(n%2))
		return err
	case 5:
		_, err := st.InvalidatePaths(ctx, []string{cache.KeyPath(key)}, at(time.Duration(n)), cache.Stale)
		return err
	case 6:
		l, ok := st.(cache.Leaser)
		if !ok {
			return nil
		}
		held, err := l.Lease(ctx, key, owner, time.Minute)
		if err != nil || !held {
			return err
		}
		return l.Release(ctx, key, owner)
	case 7:
		if n%40 == 7 {
			return st.Delete(ctx, key)
		}
		if c, ok := st.(cache.CounterStore); ok {
			return c.AddCounters(ctx, map[string]cache.Counters{key: {Hits: 1}})
		}
		return nil
	case 8:
		l, err := reloadOrGet(ctx, st, key)
		return checkLookup(key, l, err)
	default:
		l, err := st.Get(ctx, key)
		return checkLookup(key, l, err)
	}
}

// checkLookup accepts a missing entry or a whole one.
func checkLookup(key string, l cache.Lookup, err error) error {
	if errors.Is(err, cache.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return checkWhole(key, l)
}

// checkWhole reports an entry that does not belong to key or whose body
// does not match its sum.
func checkWhole(key string, l cache.Lookup) error {
	e := l.Entry
	switch {
	case e == nil:
		return fmt.Errorf("lookup of %s without error has no entry", key)
	case e.Key != key:
		return fmt.Errorf("lookup of %s returned the entry of %s", key, e.Key)
	case e.Sum != xxhash.Sum64(e.Body):
		return fmt.Errorf("lookup of %s returned a body that does not match its sum", key)
	case e.ETag != `"`+string(e.Body)+`"`:
		return fmt.Errorf("lookup of %s returned an ETag of another body", key)
	}
	return nil
}
