package tiered

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// LatencyBuckets are the upper bounds of the latency histogram of the
// calls to the inner store (OpMetrics.Buckets): from a tenth of a
// millisecond (a SQLite read from the page cache) to over a second (a
// store that is failing).
var LatencyBuckets = []time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
}

// The operations of the inner store that are measured.
const (
	opGet = iota // Get and Reload
	opPut
	opSetMeta
	opDelete
	opInvalidate // InvalidateTags and InvalidatePaths
	opLease      // Lease and Release
	opCount
)

var opNames = [opCount]string{"get", "put", "set_meta", "delete", "invalidate", "lease"}

// Metrics are a tier's counts since it was built, for monitoring
// (framework/metrics exports them).
type Metrics struct {
	// MemoryHits counts the Gets answered from memory, MemoryMisses those
	// that read the inner store (both 0 when the tier is disabled).
	MemoryHits, MemoryMisses uint64
	// Inner are the calls to the inner store, one per operation.
	Inner []OpMetrics
}

// OpMetrics are the calls of one operation to the inner store.
type OpMetrics struct {
	// Op is "get" (Get and Reload), "put", "set_meta", "delete",
	// "invalidate" (tags and paths) or "lease" (Lease and Release).
	Op string
	// Calls counts the calls, Errors those that failed (a missing entry
	// is no failure).
	Calls, Errors uint64
	// Total is the time the calls took, all together.
	Total time.Duration
	// Buckets[i] counts the calls that took at most LatencyBuckets[i]
	// (cumulative, as Prometheus histograms are).
	Buckets []uint64
}

// opStats are one operation's counts.
type opStats struct {
	calls, errors, nanos atomic.Uint64
	buckets              [numBuckets]atomic.Uint64 // not cumulative
}

// numBuckets is len(LatencyBuckets), fixed for the arrays of counts.
const numBuckets = 14

// observe records a call of op that started at start and returned err.
func (t *Store) observe(op int, start time.Time, err error) {
	d := time.Since(start)
	s := &t.ops[op]
	s.calls.Add(1)
	s.nanos.Add(uint64(max(d, 0)))
	if err != nil && !errors.Is(err, cache.ErrNotFound) {
		s.errors.Add(1)
	}
	for i, b := range LatencyBuckets {
		if d <= b {
			s.buckets[i].Add(1)
			return
		}
	}
}

// Metrics returns the tier's counts since it was built.
func (t *Store) Metrics() Metrics {
	var m Metrics
	if t.memStats != nil {
		st := t.memStats.Snapshot()
		m.MemoryHits, m.MemoryMisses = st.Hits, st.Misses
	}
	for op := range opCount {
		s := &t.ops[op]
		om := OpMetrics{Op: opNames[op], Calls: s.calls.Load(), Errors: s.errors.Load(), Total: time.Duration(s.nanos.Load())}
		var sum uint64
		for i := range LatencyBuckets {
			sum += s.buckets[i].Load()
			om.Buckets = append(om.Buckets, sum)
		}
		m.Inner = append(m.Inner, om)
	}
	return m
}

// Health reports the inner store's health when it is a
// cache.HealthReporter, else nil; cache.ErrClosed once closed.
func (t *Store) Health() error {
	if t.closed.Load() {
		return cache.ErrClosed
	}
	if h, ok := t.inner.(cache.HealthReporter); ok {
		return h.Health()
	}
	return nil
}
