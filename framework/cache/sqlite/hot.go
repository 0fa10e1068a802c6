package sqlite

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/maypok86/otter/v2"

	"github.com/goxweb/gox/framework/cache"
)

// hotTier is the bounded in-memory tier in front of the file. Its entries
// are read-only: a change replaces an entry, so a reader's pointer stays
// valid and unchanged.
//
// Filling the tier after a read from the file races with writes: a Get
// may read version 1 of a key, a Put (or another process's write, seen by
// the poller) then stores version 2 and drops the key, and the Get would
// put version 1 back. Each key therefore maps to a stripe whose generation
// every change of the key bumps under the stripe's lock; a fill only
// happens if the generation it read before going to the file is still
// current. All methods are no-ops on a nil tier (disabled by options).
type hotTier struct {
	entries *otter.Cache[string, *hotEntry]
	stripes [256]stripe
}

type stripe struct {
	mu  sync.Mutex
	gen atomic.Uint64
}

// hotEntry is an entry in memory and when it was last read.
type hotEntry struct {
	e        *cache.Entry
	accessed atomic.Int64 // Unix ns
	// dirty reports that accessed is newer than the file's access time
	// and the entry is queued in the access log.
	dirty atomic.Bool
}

// entryOverhead approximates the memory an entry takes besides its bodies.
const entryOverhead = 512

func newHotTier(maxBytes int64) (*hotTier, error) {
	c, err := otter.New(&otter.Options[string, *hotEntry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(key string, h *hotEntry) uint32 {
			w := h.e.Size() + int64(len(key)) + entryOverhead
			for name, vs := range h.e.Header {
				w += int64(len(name))
				for _, v := range vs {
					w += int64(len(v))
				}
			}
			return uint32(min(w, math.MaxUint32))
		},
	})
	if err != nil {
		return nil, err
	}
	return &hotTier{entries: c}, nil
}

func (t *hotTier) stripe(key string) *stripe {
	return &t.stripes[xxhash.Sum64String(key)%uint64(len(t.stripes))]
}

// get returns key's entry if the tier holds it.
func (t *hotTier) get(key string) (*hotEntry, bool) {
	return t.entries.GetIfPresent(key)
}

// gen returns key's generation; read it before going to the file.
func (t *hotTier) gen(key string) uint64 {
	if t == nil {
		return 0
	}
	return t.stripe(key).gen.Load()
}

// fill keeps e, read from the file when key's generation was gen, unless
// key changed since. It returns the new hot entry, or nil.
func (t *hotTier) fill(e *cache.Entry, gen uint64, accessed int64) *hotEntry {
	if t == nil {
		return nil
	}
	st := t.stripe(e.Key)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen.Load() != gen {
		return nil
	}
	h := &hotEntry{e: e}
	h.accessed.Store(accessed)
	t.entries.Set(e.Key, h)
	return h
}

// stored keeps e, just written with access time accessed, unless key
// changed since gen (then the file holds a newer version: drop the key).
func (t *hotTier) stored(e *cache.Entry, gen uint64, accessed int64) {
	if t == nil {
		return
	}
	st := t.stripe(e.Key)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen.Add(1) != gen+1 {
		t.entries.Invalidate(e.Key)
		return
	}
	h := &hotEntry{e: e}
	h.accessed.Store(accessed)
	t.entries.Set(e.Key, h)
}

// setMeta replaces key's entry with a copy carrying m, unless key changed
// since gen.
func (t *hotTier) setMeta(key string, m cache.Meta, gen uint64) {
	if t == nil {
		return
	}
	st := t.stripe(key)
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := t.entries.GetIfPresent(key)
	if st.gen.Add(1) != gen+1 || !ok {
		t.entries.Invalidate(key)
		return
	}
	c := *old.e
	c.GeneratedAt, c.FreshUntil, c.BuildID = m.GeneratedAt, m.FreshUntil, m.BuildID
	c.LastError, c.Failures, c.RetryAt = m.LastError, m.Failures, m.RetryAt
	h := &hotEntry{e: &c}
	h.accessed.Store(old.accessed.Load())
	t.entries.Set(key, h)
}

// drop forgets keys.
func (t *hotTier) drop(keys ...string) {
	if t == nil {
		return
	}
	for _, k := range keys {
		st := t.stripe(k)
		st.mu.Lock()
		st.gen.Add(1)
		t.entries.Invalidate(k)
		st.mu.Unlock()
	}
}

// dropAll forgets every key. Holding every stripe keeps fills that read
// the file before the drop from landing after it.
func (t *hotTier) dropAll() {
	if t == nil {
		return
	}
	for i := range t.stripes {
		t.stripes[i].mu.Lock()
		t.stripes[i].gen.Add(1)
	}
	t.entries.InvalidateAll()
	for i := range t.stripes {
		t.stripes[i].mu.Unlock()
	}
}

// close stops the tier's background goroutine.
func (t *hotTier) close() {
	t.entries.InvalidateAll()
	t.entries.StopAllGoroutines()
}
