package metrics

import "time"

// Route is one route's counts since the app started, for the inspector.
type Route struct {
	Route string
	// Hits, Stale, Misses, Expired and RYW are requests by cache state;
	// Reads is their sum.
	Hits, Stale, Misses, Expired, RYW, Reads uint64
	// Requests counts every response, whatever its state.
	Requests uint64
	// Bytes are the body bytes sent.
	Bytes uint64
	// Regenerations are renders started, Writes pages written to the
	// store, Failures failed renders.
	Regenerations, Writes, Failures uint64
	// LastError is the last failed render's error, at LastErrorAt.
	LastError   string
	LastErrorAt time.Time
}

// HitRate is the share of reads answered from the cache as they were
// (HIT or STALE), or 0 without reads.
func (r Route) HitRate() float64 {
	if r.Reads == 0 {
		return 0
	}
	return float64(r.Hits+r.Stale) / float64(r.Reads)
}

// ReadsPerWrite is how many reads each write served, or 0 without
// writes.
func (r Route) ReadsPerWrite() float64 {
	if r.Writes == 0 {
		return 0
	}
	return float64(r.Reads) / float64(r.Writes)
}

// WritesTooOften reports a route whose pages are written nearly as often
// as they are read (fewer than two reads per write, over at least ten
// writes): its cache does little but cost renders, a sign that it is
// revalidated too often or its Revalidate is too short.
func (r Route) WritesTooOften() bool {
	return r.Writes >= 10 && r.Reads < 2*r.Writes
}

// Routes returns each route's counts, by route.
func (m *Metrics) Routes() []Route {
	var out []Route
	for _, ns := range m.sortedRoutes() {
		r := ns.r
		x := Route{
			Route: ns.name, Hits: r.state(stateHit), Stale: r.state(stateStale), Misses: r.state(stateMiss),
			Expired: r.state(stateExpired), RYW: r.state(stateRYW), Bytes: r.bytes.Load(),
			Regenerations: r.regenerations.Load(), Writes: r.writes.Load(), Failures: r.failures.Load(),
		}
		x.Reads = x.Hits + x.Stale + x.Misses + x.Expired + x.RYW
		for s := range numStates {
			x.Requests += r.state(s)
		}
		if le := r.lastError.Load(); le != nil {
			x.LastError, x.LastErrorAt = le.msg, le.at
		}
		out = append(out, x)
	}
	return out
}
