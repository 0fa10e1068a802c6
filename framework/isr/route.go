package isr

import (
	"sync/atomic"

	"github.com/goxweb/gox/framework/cache"
)

// Route is a route's handle in the engine: it carries the route's counters,
// so the request path adds to them without a map lookup.
type Route struct {
	// Name is the route pattern.
	Name string

	hits, misses, stale, regenerations, writes, failures atomic.Int64
}

// take returns the counts added since the last take and resets them.
func (r *Route) take() cache.Counters {
	return cache.Counters{
		Hits:          r.hits.Swap(0),
		Misses:        r.misses.Swap(0),
		Stale:         r.stale.Swap(0),
		Regenerations: r.regenerations.Swap(0),
		Writes:        r.writes.Swap(0),
		Failures:      r.failures.Swap(0),
	}
}

// put adds c back, when persisting the counts failed.
func (r *Route) put(c cache.Counters) {
	r.hits.Add(c.Hits)
	r.misses.Add(c.Misses)
	r.stale.Add(c.Stale)
	r.regenerations.Add(c.Regenerations)
	r.writes.Add(c.Writes)
	r.failures.Add(c.Failures)
}
