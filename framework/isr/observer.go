package isr

import (
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Observer learns what the engine does, for counters, metrics and CDN
// purgers. The engine calls it on the request path (Served) and from its
// background workers, from many goroutines at once: every method must be
// safe for concurrent use, cheap (no I/O, no lock held for long, no
// allocation on a cache hit) and must never block. Work that is not cheap
// (persisting, sending) belongs in the observer's own goroutine.
//
// Set it with Options.Observer; NewCounter is the one gox wires in when the
// store is a cache.CounterStore, and Observers composes several. An
// Observer may also be an InvalidationObserver or a RenderObserver.
type Observer interface {
	// Served is called when Serve decides how it answers a request of
	// route: Hit, Stale, Miss or Expired. A request that waited for a
	// render (Miss, Expired) whose render failed and that is answered with
	// the last good page is reported a second time, as Stale.
	Served(route string, s State)
	// Regenerating is called when a render of a key of route starts: on a
	// miss, an expired key, a background regeneration or Regenerate.
	Regenerating(route, key string)
	// Stored is called after the result of a render of route was written
	// to the store as a new entry (not when only its freshness was
	// refreshed because the bytes were the same).
	Stored(route, key string)
	// Failed is called when a render of route failed: an error, a panic, a
	// timeout or a result that may not be stored.
	Failed(route, key string, err error)
}

// nopObserver is the Observer of an engine without one.
type nopObserver struct{}

func (nopObserver) Served(string, State)         {}
func (nopObserver) Regenerating(string, string)  {}
func (nopObserver) Stored(string, string)        {}
func (nopObserver) Failed(string, string, error) {}

// InvalidationObserver is an Observer that also learns of the on-demand
// invalidations made through its engine, for metrics and CDN purgers:
// once per Revalidate (and RevalidateTags, RevalidatePaths) after the
// store stamped it, and once per Refresh after its render. Invalidations
// other processes make reach their own engines' observers, so each is
// reported once across processes sharing a store. paths and tags must not
// be modified; the method must return at once (see Observer).
type InvalidationObserver interface {
	Invalidated(paths, tags []string, mode cache.Mode)
}

// RenderObserver is an Observer that also learns how long each render
// took and whether it failed (err as Failed gets it), for render time
// histograms. Renders abandoned at shutdown are not reported.
type RenderObserver interface {
	Rendered(route string, took time.Duration, err error)
}
