package cache

import (
	"context"
	"time"
)

// The interfaces below are what a backend may do besides Store. Each names
// who calls it and when; a caller that finds a store without one falls
// back as its doc says.

// Leaser is implemented by stores that several processes share, so that a
// stale page regenerates once between all of them.
//
// The ISR engine calls Lease before a background regeneration of a key and
// Release when the regeneration ends. A store without Leaser is used by one
// process only: the engine's in-process single flight is then enough.
type Leaser interface {
	// Lease tries to take the regeneration lease for key for ttl on behalf
	// of owner; it reports whether owner holds it now. A lease whose ttl
	// has passed can be taken by anyone, so a hung render cannot block a
	// key for longer than its timeout.
	Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	// Release gives up owner's lease on key, if owner holds it.
	Release(ctx context.Context, key, owner string) error
}

// Lister is implemented by stores that can enumerate and empty themselves.
//
// The gox cache CLI (ls, show, purge, stats) and admin tools call it; the
// request path never does.
type Lister interface {
	// List returns entries matching f, without bodies, ordered by key.
	List(ctx context.Context, f Filter) ([]Info, error)
	// Stats returns totals over the whole store.
	Stats(ctx context.Context) (Stats, error)
	// Clear removes every entry, stamp, lease and counter.
	Clear(ctx context.Context) error
}

// Reloader is implemented by stores with a local tier (memory in front of
// shared storage) or local copies of the stamps.
//
// The ISR engine calls Reload after taking a key's lease, so that a page
// another process has just regenerated is not rendered again. Reload reads
// the shared storage itself, past any local tier, and refreshes that tier
// with what it read. For a store without Reloader, Get is as good.
type Reloader interface {
	// Reload is Get from the shared storage itself.
	Reload(ctx context.Context, key string) (Lookup, error)
}

// ChangeKind says what a Change is about.
type ChangeKind int

// Kinds of changes.
const (
	// ChangeEntry: the entry for key Name was written, updated or deleted.
	ChangeEntry ChangeKind = iota + 1
	// ChangeTag: the invalidation stamp of tag Name was raised.
	ChangeTag
	// ChangePath: the invalidation stamp of path Name was raised.
	ChangePath
	// ChangeAll: anything may have changed (the store was cleared, or the
	// feed lost track of some changes); Name is empty.
	ChangeAll
)

// Change is one event of a ChangeFeed.
type Change struct {
	Kind ChangeKind
	// Name is the key, tag or path the change is about.
	Name string
}

// ChangeFeed is implemented by stores that other processes write too
// (a shared file, Redis), so that a local tier learns what to forget.
//
// A memory tier (package tiered) subscribes once when it is built and
// drops what each change covers. The feed reports changes the subscriber
// did not make through this store handle: writes and invalidations by
// other processes or handles (SQLite polls its change log, Redis reads a
// stream), and entries the store removed by itself (eviction), reported
// before the call that removed them returns. By the time fn runs, the
// store's Get already returns the new state (its own copies of stamps are
// updated first), so a tier that drops an entry and reads it again gets
// the change.
type ChangeFeed interface {
	// Subscribe registers fn to be called with each batch of changes, in
	// order, from one goroutine at a time. fn must not block for long nor
	// call the store (a write may report evictions, and Subscribe and
	// cancel wait for fn): it only updates the subscriber's own state.
	// cancel stops the calls; it may be called more than once.
	Subscribe(fn func([]Change)) (cancel func())
}

// CounterStore is implemented by stores that persist per-route counters.
//
// The ISR engine's counting observer (isr.NewCounter) calls AddCounters
// every few seconds and when it closes; the gox cache stats command calls
// Counters.
type CounterStore interface {
	// AddCounters adds per-route counters to the stored ones.
	AddCounters(ctx context.Context, byRoute map[string]Counters) error
	// Counters returns the persisted counters by route.
	Counters(ctx context.Context) (map[string]Counters, error)
}

// Toucher is implemented by stores that evict least recently used entries
// and so need to know when each was last read.
//
// A memory tier serves most reads without asking the store; it calls Touch
// with the latest read time of each key it served, about once a second,
// before it forwards a Put (which may evict), before a List and when it
// closes. Touch may buffer the times; it never moves a time back and
// ignores keys the store no longer holds.
type Toucher interface {
	Touch(ctx context.Context, readAt map[string]time.Time) error
}

// HealthReporter is implemented by stores that know whether their storage
// works: a SQLite file whose writes fail or that is being replaced, a
// Redis server that cannot be reached, a store that keeps nothing.
//
// The server's /_gox/health endpoint calls Health on every request, for
// load balancers: it must be cheap (no I/O, no waiting), reporting what
// the store's own calls have seen. A store without it counts as healthy.
type HealthReporter interface {
	// Health returns nil while the store works, else why it does not.
	Health() error
}
