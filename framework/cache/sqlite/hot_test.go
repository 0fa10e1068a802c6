package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

func TestGetFromMemoryDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	st := open(t, Options{})
	if err := st.Put(ctx, page("/a?page=2", "hello", "x", "y")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidateTags(ctx, []string{"y"}, time.Now(), cache.Stale); err != nil {
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

func TestPutWritesThrough(t *testing.T) {
	ctx := context.Background()
	st := open(t, Options{})
	e := page("/a", "hello")
	if err := st.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	l, err := st.Get(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	if l.Entry != e {
		t.Errorf("Get after Put returned a copy, want the stored entry itself")
	}
	r, err := st.Reload(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	if r.Entry == e {
		t.Errorf("Reload returned the memory copy, want the row read from the file")
	}
	if l, _ := st.Get(ctx, "/a"); l.Entry != r.Entry {
		t.Errorf("Get after Reload does not return what Reload read")
	}
}

// TestHotTierGenerations checks the guard against a fill that read the
// file before a change of the key landing after it.
func TestHotTierGenerations(t *testing.T) {
	older := &cache.Entry{Key: "/k", Body: []byte("v1")}
	newer := &cache.Entry{Key: "/k", Body: []byte("v2")}
	tests := []struct {
		name string
		// between runs after the generation is read, before the fill.
		between func(h *hotTier)
		want    *cache.Entry // in the tier after the fill
	}{
		{"nothing changed", func(*hotTier) {}, older},
		{"key dropped", func(h *hotTier) { h.drop("/k") }, nil},
		{"key stored", func(h *hotTier) { h.stored(newer, h.gen("/k"), 1) }, newer},
		{"everything dropped", func(h *hotTier) { h.dropAll() }, nil},
		{"another key dropped", func(h *hotTier) { h.drop("/other") }, older},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHotTier(1 << 20)
			if err != nil {
				t.Fatal(err)
			}
			defer h.close()
			gen := h.gen("/k")
			tt.between(h)
			h.fill(older, gen, 1)
			var got *cache.Entry
			if he, ok := h.get("/k"); ok {
				got = he.e
			}
			if got != tt.want {
				t.Errorf("tier holds %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStoredAfterConcurrentChangeDrops(t *testing.T) {
	h, err := newHotTier(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	e := &cache.Entry{Key: "/k", Body: []byte("mine")}
	gen := h.gen("/k")
	// Another writer's change is applied between this Put's commit and
	// its update of the tier: the tier must not keep this Put's entry.
	h.drop("/k")
	h.stored(e, gen, 1)
	if _, ok := h.get("/k"); ok {
		t.Errorf("tier kept an entry written before a later change")
	}
	h.setMeta("/k", cache.Meta{}, gen)
	if _, ok := h.get("/k"); ok {
		t.Errorf("tier kept an entry updated before a later change")
	}
}

// TestMemoryTierStaysWithinItsBound writes and reads ten times the tier's
// bound: the tier never holds more than its bound, and every entry is
// still read whole, from the file when the tier dropped it.
func TestMemoryTierStaysWithinItsBound(t *testing.T) {
	const limit, n, size = 1 << 20, 100, 100 << 10
	ctx := context.Background()
	st := open(t, Options{MemoryBytes: limit})
	key := func(i int) string { return fmt.Sprintf("/p/%d", i) }
	held := func() (bytes int64, entries int) {
		st.hot.entries.CleanUp()
		for i := range n {
			if h, ok := st.hot.get(key(i)); ok {
				bytes += h.e.Size()
				entries++
			}
		}
		return bytes, entries
	}
	for i := range n {
		e := page(key(i), strings.Repeat(string(rune('a'+i%26)), size))
		e.Gzip = nil
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if bytes, entries := held(); bytes > limit || entries == 0 {
		t.Errorf("after %d Puts the memory tier holds %d entries of %d bytes, want some within %d bytes", n, entries, bytes, limit)
	}
	for i := range n {
		l, err := st.Get(ctx, key(i))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Repeat(string(rune('a'+i%26)), size); string(l.Entry.Body) != want {
			t.Fatalf("Get(%s) body is %d bytes starting %.10q, want %d bytes of %q", key(i), len(l.Entry.Body), l.Entry.Body, size, want[:1])
		}
	}
	if bytes, entries := held(); bytes > limit {
		t.Errorf("after %d Gets the memory tier holds %d entries of %d bytes, want at most %d bytes", n, entries, bytes, limit)
	}
}
