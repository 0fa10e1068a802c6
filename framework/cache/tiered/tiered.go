// Package tiered is a bounded memory tier in front of any cache.Store: hot
// pages are served from memory with no I/O, no lock and no allocation,
// everything else from the store behind it (the inner store).
//
// The tier holds whole Lookups (entry and stamps) and forgets them when
// they may have changed: on its own Put, SetMeta, Delete and invalidations,
// and on the events of the inner store's cache.ChangeFeed, through which
// other processes' writes and invalidations arrive (SQLite's change log,
// later a Redis stream). A fill after a read from the inner store only
// lands when nothing changed the key, and no invalidation happened, since
// the read began, so a slow read never puts an old version back. The read
// times of pages served from memory go to the inner store's cache.Toucher
// about once a second, so that its LRU eviction stays right.
//
// The optional interfaces of the inner store (cache.Leaser, cache.Lister,
// cache.CounterStore) are forwarded; Reload reads the inner store past the
// tier and refreshes it.
package tiered

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"

	"github.com/goxweb/gox/framework/cache"
)

var (
	_ cache.Store          = (*Store)(nil)
	_ cache.Leaser         = (*Store)(nil)
	_ cache.Lister         = (*Store)(nil)
	_ cache.Reloader       = (*Store)(nil)
	_ cache.CounterStore   = (*Store)(nil)
	_ cache.HealthReporter = (*Store)(nil)
)

// Options tune a Store. The zero value is a working configuration.
type Options struct {
	// MemoryBytes bounds the memory tier; 0 means DefaultMemoryBytes and
	// a negative value disables the tier, so that every Get reads the
	// inner store.
	MemoryBytes int64
	// TouchInterval is how often the read times of pages served from
	// memory go to the inner store's Toucher; 0 means
	// DefaultTouchInterval.
	TouchInterval time.Duration
	// Logger receives errors of background work (read time flushes); nil
	// means slog.Default().
	Logger *slog.Logger
}

const (
	// DefaultMemoryBytes is the tier's bound when Options.MemoryBytes is 0.
	DefaultMemoryBytes = 64 << 20
	// DefaultTouchInterval is Options.TouchInterval when it is 0.
	DefaultTouchInterval = time.Second
)

// Store is a memory tier over an inner cache.Store. It is safe for
// concurrent use.
//
// Filling the tier after a read from the inner store races with changes:
// a Get may read version 1 of a key, a Put (or another process's write,
// seen through the change feed) then stores version 2 and drops the key,
// and the Get would put version 1 back. Each key therefore maps to a
// stripe whose generation every change of the key bumps under the
// stripe's lock, and every invalidation bumps one generation for all
// keys; a fill only lands if both generations it read before going to the
// inner store are still current.
type Store struct {
	inner   cache.Store
	opts    Options
	log     *slog.Logger
	toucher cache.Toucher // nil when the inner store is none

	entries *otter.Cache[string, *hotEntry] // nil when the tier is disabled
	stripes [256]stripe
	// invalidations counts tag, path and whole-tier drops. It is bumped,
	// and fills check it, under indexMu.
	invalidations atomic.Uint64

	indexMu sync.Mutex
	byTag   map[string]map[string]*hotEntry // tag -> key -> entry
	byPath  map[string]map[string]*hotEntry // path -> key -> entry

	// touched is a lock-free stack (through hotEntry.next) of the entries
	// read since the last flush of read times.
	touched atomic.Pointer[hotEntry]

	leases localLeases // when the inner store is no cache.Leaser

	memStats *stats.Counter // hits and misses of the memory tier; nil when disabled
	ops      [opCount]opStats

	unsubscribe func()
	closed      atomic.Bool
	stop        context.CancelFunc
	wg          sync.WaitGroup
}

type stripe struct {
	mu  sync.Mutex
	gen atomic.Uint64
}

// hotEntry is a Lookup in memory and when it was last read. Its Lookup
// never changes: a change replaces the hotEntry, so a reader's copy stays
// valid.
type hotEntry struct {
	l        cache.Lookup
	accessed atomic.Int64 // Unix ns
	// dirty reports that the entry is on the touched stack; next is its
	// successor there, written only by the goroutine that set dirty.
	dirty atomic.Bool
	next  *hotEntry
}

// entryOverhead approximates the memory an entry takes besides its bodies.
const entryOverhead = 512

// New returns a memory tier over inner and starts its background flush of
// read times. The Store owns inner: Close closes it.
func New(inner cache.Store, opts Options) (*Store, error) {
	if inner == nil {
		return nil, errors.New("tiered: no inner store")
	}
	if opts.MemoryBytes == 0 {
		opts.MemoryBytes = DefaultMemoryBytes
	}
	if opts.TouchInterval <= 0 {
		opts.TouchInterval = DefaultTouchInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := &Store{
		inner:  inner,
		opts:   opts,
		log:    opts.Logger,
		byTag:  make(map[string]map[string]*hotEntry),
		byPath: make(map[string]map[string]*hotEntry),
	}
	t.toucher, _ = inner.(cache.Toucher)
	if opts.MemoryBytes > 0 {
		t.memStats = stats.NewCounter()
		c, err := otter.New(&otter.Options[string, *hotEntry]{
			MaximumWeight:    uint64(opts.MemoryBytes),
			Weigher:          weigh,
			OnAtomicDeletion: t.deleted,
			StatsRecorder:    t.memStats,
		})
		if err != nil {
			return nil, fmt.Errorf("tiered: %w", err)
		}
		t.entries = c
		if f, ok := inner.(cache.ChangeFeed); ok {
			t.unsubscribe = f.Subscribe(t.changed)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	t.stop = stop
	t.wg.Go(func() { t.flushLoop(ctx) })
	return t, nil
}

// weigh approximates the memory a hot entry takes.
func weigh(key string, h *hotEntry) uint32 {
	e := h.l.Entry
	w := e.Size() + int64(len(key)) + entryOverhead
	for name, vs := range e.Header {
		w += int64(len(name))
		for _, v := range vs {
			w += int64(len(v))
		}
	}
	return uint32(min(w, math.MaxUint32))
}

// Inner returns the store behind the tier.
func (t *Store) Inner() cache.Store { return t.inner }

// Get returns key's Lookup from memory when the tier holds it (no I/O, no
// lock besides otter's, no allocation), else from the inner store, and
// then keeps it in memory.
func (t *Store) Get(ctx context.Context, key string) (cache.Lookup, error) {
	if t.closed.Load() {
		return cache.Lookup{}, cache.ErrClosed
	}
	if t.entries != nil {
		if h, ok := t.entries.GetIfPresent(key); ok {
			t.touch(h, time.Now().UnixNano())
			return h.l, nil
		}
	}
	return t.load(ctx, key, false)
}

// Reload reads key from the inner store (its Reload when it has one, else
// its Get), past the tier, and refreshes the tier with what it read.
func (t *Store) Reload(ctx context.Context, key string) (cache.Lookup, error) {
	if t.closed.Load() {
		return cache.Lookup{}, cache.ErrClosed
	}
	return t.load(ctx, key, true)
}

// load reads key from the inner store and fills the tier with it.
func (t *Store) load(ctx context.Context, key string, reload bool) (cache.Lookup, error) {
	if t.entries == nil {
		return t.read(ctx, key, reload)
	}
	st := t.stripe(key)
	gen, inv := st.gen.Load(), t.invalidations.Load()
	l, err := t.read(ctx, key, reload)
	if err != nil {
		if reload {
			t.drop(key)
		}
		return l, err
	}
	t.fill(key, l, gen, inv)
	return l, nil
}

// read is Get or Reload of the inner store.
func (t *Store) read(ctx context.Context, key string, reload bool) (l cache.Lookup, err error) {
	start := time.Now()
	defer func() { t.observe(opGet, start, err) }()
	if r, ok := t.inner.(cache.Reloader); ok && reload {
		return r.Reload(ctx, key)
	}
	return t.inner.Get(ctx, key)
}

func (t *Store) stripe(key string) *stripe {
	return &t.stripes[xxhash.Sum64String(key)%uint64(len(t.stripes))]
}

// fill keeps l, read when key's stripe generation was gen and the
// invalidation count inv, unless either moved since.
func (t *Store) fill(key string, l cache.Lookup, gen, inv uint64) {
	st := t.stripe(key)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen.Load() != gen {
		return
	}
	h := &hotEntry{l: l}
	h.accessed.Store(time.Now().UnixNano())
	t.indexMu.Lock()
	if t.invalidations.Load() != inv {
		t.indexMu.Unlock()
		return
	}
	// Indexed before it is visible: an invalidation that takes indexMu
	// after this finds the key and drops it, waiting for st.mu.
	t.index(key, h)
	t.indexMu.Unlock()
	t.entries.Set(key, h)
}

// Put stores e in the inner store and drops key from the tier; the next
// Get reads it back with its stamps. Read times are flushed first, since
// the Put may evict by them.
func (t *Store) Put(ctx context.Context, e *cache.Entry) error {
	if t.closed.Load() {
		return cache.ErrClosed
	}
	t.flushTouches(ctx)
	start := time.Now()
	err := t.inner.Put(ctx, e)
	t.observe(opPut, start, err)
	if e != nil {
		t.drop(e.Key)
	}
	return err
}

// SetMeta updates key in the inner store and drops it from the tier.
func (t *Store) SetMeta(ctx context.Context, key string, m cache.Meta) error {
	if t.closed.Load() {
		return cache.ErrClosed
	}
	start := time.Now()
	err := t.inner.SetMeta(ctx, key, m)
	t.observe(opSetMeta, start, err)
	t.drop(key)
	return err
}

// Delete removes keys from the inner store and the tier.
func (t *Store) Delete(ctx context.Context, keys ...string) error {
	if t.closed.Load() {
		return cache.ErrClosed
	}
	start := time.Now()
	err := t.inner.Delete(ctx, keys...)
	t.observe(opDelete, start, err)
	t.drop(keys...)
	return err
}

// InvalidateTags stamps tags in the inner store and drops the entries it
// reports covered, and those in memory carrying one of tags.
func (t *Store) InvalidateTags(ctx context.Context, tags []string, at time.Time, m cache.Mode) ([]string, error) {
	if t.closed.Load() {
		return nil, cache.ErrClosed
	}
	start := time.Now()
	keys, err := t.inner.InvalidateTags(ctx, tags, at, m)
	t.observe(opInvalidate, start, err)
	t.dropCovered(tags, nil)
	t.drop(keys...)
	return keys, err
}

// InvalidatePaths stamps paths in the inner store and drops the entries
// it reports covered, and those in memory at one of paths.
func (t *Store) InvalidatePaths(ctx context.Context, paths []string, at time.Time, m cache.Mode) ([]string, error) {
	if t.closed.Load() {
		return nil, cache.ErrClosed
	}
	start := time.Now()
	keys, err := t.inner.InvalidatePaths(ctx, paths, at, m)
	t.observe(opInvalidate, start, err)
	t.dropCovered(nil, paths)
	t.drop(keys...)
	return keys, err
}

// Close stops the background flush, sends the last read times to the
// inner store, empties the tier and closes the inner store. Later calls
// return cache.ErrClosed; Close itself may be called again.
func (t *Store) Close() error {
	if !t.closed.CompareAndSwap(false, true) {
		return nil
	}
	t.stop()
	t.wg.Wait()
	t.flushTouches(context.Background())
	if t.unsubscribe != nil {
		t.unsubscribe()
	}
	if t.entries != nil {
		t.dropAll()
		t.entries.StopAllGoroutines()
	}
	return t.inner.Close()
}
