package server

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Defaults of the action body bounds.
const (
	defaultMaxActionBytes      = 1 << 20
	defaultActionBytesInFlight = 64 << 20
)

// actionRetryAfter is the Retry-After, in seconds, of an action refused
// because too many action bodies are in flight.
const actionRetryAfter = 1

// bodyBudget bounds the bytes of action bodies held at once across all
// requests, so a flood of large posts costs a bounded amount of memory
// however many arrive together.
type bodyBudget struct {
	sem        *semaphore.Weighted
	limit      int64
	held, peak atomic.Int64 // for ActionBytesPeak
	// refused counts refusals since the last log line, logged at most
	// once a second so a flood of posts is not a flood of logs.
	refused, loggedAt atomic.Int64
}

// noteRefused counts a refusal and returns how many to log now, or 0.
func (b *bodyBudget) noteRefused() int64 {
	b.refused.Add(1)
	now, last := time.Now().UnixNano(), b.loggedAt.Load()
	if now-last < int64(time.Second) || !b.loggedAt.CompareAndSwap(last, now) {
		return 0
	}
	return b.refused.Swap(0)
}

func newBodyBudget(limit int64) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(limit), limit: limit}
}

// weight is what r's body may cost: its declared length, or the whole
// limit of one body when it declares none (chunked).
func weight(r *http.Request, maxBytes int64) int64 {
	if r.ContentLength >= 0 {
		return max(r.ContentLength, 1)
	}
	return maxBytes
}

// acquire takes n bytes of the budget without waiting, and reports
// whether it could: a request that cannot is refused at once rather than
// queued, since queued requests would hold their connections and bodies.
func (b *bodyBudget) acquire(n int64) bool {
	if !b.sem.TryAcquire(n) {
		return false
	}
	held := b.held.Add(n)
	for {
		p := b.peak.Load()
		if held <= p || b.peak.CompareAndSwap(p, held) {
			return true
		}
	}
}

func (b *bodyBudget) release(n int64) {
	b.held.Add(-n)
	b.sem.Release(n)
}

// refuseBusy answers an action refused for the budget: 503, retry soon.
func (a *App) refuseBusy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(actionRetryAfter))
	a.writeStatus(w, r, http.StatusServiceUnavailable)
}

// ActionBytesPeak returns the most bytes of action bodies ever held at
// once and the bound they are held to (Config.ActionBytesInFlight).
func (a *App) ActionBytesPeak() (peak, limit int64) {
	return a.bodies.peak.Load(), a.bodies.limit
}
