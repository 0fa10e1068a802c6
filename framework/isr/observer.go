package isr

// Observer learns what the engine does, for counters, metrics and CDN
// purgers. The engine calls it on the request path (Served) and from its
// background workers, from many goroutines at once: every method must be
// safe for concurrent use, cheap (no I/O, no lock held for long, no
// allocation on a cache hit) and must never block. Work that is not cheap
// (persisting, sending) belongs in the observer's own goroutine.
//
// Set it with Options.Observer; NewCounter is the one gox wires in when the
// store is a cache.CounterStore.
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
