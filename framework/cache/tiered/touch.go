package tiered

import (
	"context"
	"time"
)

// touch records a read of h at now. After the first read since the last
// flush it is an atomic load and store: no lock, no allocation; the first
// pushes h on the touched stack with a compare-and-swap.
func (t *Store) touch(h *hotEntry, now int64) {
	if now > h.accessed.Load() {
		h.accessed.Store(now)
	}
	if t.toucher == nil || h.dirty.Load() || !h.dirty.CompareAndSwap(false, true) {
		return
	}
	for {
		top := t.touched.Load()
		h.next = top
		if t.touched.CompareAndSwap(top, h) {
			return
		}
	}
}

// drainTouches empties the touched stack and returns the latest read time
// by key.
func (t *Store) drainTouches() map[string]time.Time {
	h := t.touched.Swap(nil)
	if h == nil {
		return nil
	}
	times := make(map[string]time.Time)
	for h != nil {
		next := h.next
		h.next = nil
		// Clear dirty before reading the time: a read in between pushes
		// h again rather than being lost.
		h.dirty.Store(false)
		at := time.Unix(0, h.accessed.Load())
		if k := h.l.Entry.Key; at.After(times[k]) {
			times[k] = at
		}
		h = next
	}
	return times
}

// flushTouches sends the read times recorded since the last flush to the
// inner store's Toucher. A failure is logged: the times only order
// eviction.
func (t *Store) flushTouches(ctx context.Context) {
	if t.toucher == nil || t.touched.Load() == nil {
		return
	}
	if err := t.toucher.Touch(ctx, t.drainTouches()); err != nil && ctx.Err() == nil {
		t.log.Warn("gox cache: passing read times to the store", "err", err)
	}
}

// flushLoop flushes read times every TouchInterval until ctx ends.
func (t *Store) flushLoop(ctx context.Context) {
	tick := time.NewTicker(t.opts.TouchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.flushTouches(ctx)
		}
	}
}
