package metrics

import (
	"sync"
	"time"
)

// Point is the traffic of one interval of History.
type Point struct {
	// At is the end of the interval.
	At time.Time
	// Reads are the requests the cache answered or filled (HIT, STALE,
	// MISS, EXPIRED, RYW); Writes the pages written to the store; Renders
	// the renders started.
	Reads, Writes, Renders uint64
}

// history is a ring of the last points.
type history struct {
	mu     sync.Mutex
	points []Point // oldest first once full
	next   int
	full   bool
	// last totals, to turn totals into per-interval counts
	reads, writes, renders uint64
}

func newHistory(n int) *history { return &history{points: make([]Point, n)} }

func (h *history) add(at time.Time, reads, writes, renders uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.points[h.next] = Point{At: at, Reads: reads - h.reads, Writes: writes - h.writes, Renders: renders - h.renders}
	h.reads, h.writes, h.renders = reads, writes, renders
	h.next = (h.next + 1) % len(h.points)
	h.full = h.full || h.next == 0
}

func (h *history) list() []Point {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.full {
		return append([]Point(nil), h.points[:h.next]...)
	}
	return append(append([]Point(nil), h.points[h.next:]...), h.points[:h.next]...)
}

// keepHistory adds a point every Options.Interval.
func (m *Metrics) keepHistory() {
	t := time.NewTicker(m.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			m.Tick(now)
		}
	}
}

// Tick closes the current interval of History at now: the goroutine New
// starts calls it every Options.Interval.
func (m *Metrics) Tick(now time.Time) {
	var reads, writes, renders uint64
	for _, r := range *m.routes.Load() {
		reads += r.reads()
		writes += r.writes.Load()
		renders += r.regenerations.Load()
	}
	m.history.add(now, reads, writes, renders)
}

// History returns the last points, oldest first.
func (m *Metrics) History() []Point { return m.history.list() }
