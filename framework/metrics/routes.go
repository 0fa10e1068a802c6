package metrics

import (
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
)

// The X-Gox-Cache values counted apart; anything else counts as
// stateOther, and a response without one (a plain handler, a static file)
// as stateNone.
const (
	stateHit = iota
	stateStale
	stateMiss
	stateExpired
	stateRYW
	stateRevalidated
	stateBypass
	stateDynamic
	stateDev
	stateError
	stateUncached
	stateAction
	stateNone
	stateOther
	numStates
)

var stateNames = [numStates]string{"HIT", "STALE", "MISS", "EXPIRED", "RYW", "REVALIDATED", "BYPASS", "DYNAMIC", "DEV", "ERROR", "UNCACHED", "ACTION", "none", "other"}

// stateIndex maps an X-Gox-Cache header value to its counter.
func stateIndex(h []string) int {
	if len(h) == 0 {
		return stateNone
	}
	switch h[0] {
	case "HIT":
		return stateHit
	case "STALE":
		return stateStale
	case "MISS":
		return stateMiss
	case "EXPIRED":
		return stateExpired
	case "RYW":
		return stateRYW
	case "REVALIDATED":
		return stateRevalidated
	case "BYPASS":
		return stateBypass
	case "DYNAMIC":
		return stateDynamic
	case "DEV":
		return stateDev
	case "ERROR":
		return stateError
	case "UNCACHED":
		return stateUncached
	case "ACTION":
		return stateAction
	}
	return stateOther
}

// Status classes: 1xx to 5xx.
const numClasses = 5

var classNames = [numClasses]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// routeStats are one route's counts since the app started.
type routeStats struct {
	requests                        [numStates][numClasses]atomic.Uint64
	bytes                           atomic.Uint64
	regenerations, writes, failures atomic.Uint64
	lastError                       atomic.Pointer[lastError]
}

type lastError struct {
	msg string
	at  time.Time
}

// Response counts a response of route (the route pattern, or the path of
// a plain handler or a static file): its X-Gox-Cache header value, status
// and body bytes. It allocates nothing.
func (m *Metrics) Response(route string, cacheState []string, status int, bytes int64) {
	r := m.of(route)
	class := status/100 - 1
	if class < 0 || class >= numClasses {
		class = numClasses - 1
	}
	r.requests[stateIndex(cacheState)][class].Add(1)
	if bytes > 0 {
		r.bytes.Add(uint64(bytes))
	}
}

// Served does nothing: requests are counted by Response, which sees every
// response with its status and bytes, cached or not.
func (m *Metrics) Served(string, isr.State) {}

// Regenerating counts a render of route.
func (m *Metrics) Regenerating(route, _ string) { m.of(route).regenerations.Add(1) }

// Stored counts a write of route's page to the store.
func (m *Metrics) Stored(route, _ string) { m.of(route).writes.Add(1) }

// Failed counts a failed render of route and keeps its error.
func (m *Metrics) Failed(route, _ string, err error) {
	r := m.of(route)
	r.failures.Add(1)
	msg := err.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen] + "…"
	}
	r.lastError.Store(&lastError{msg: msg, at: time.Now()})
}

// maxErrorLen bounds a kept error message.
const maxErrorLen = 500

// Rendered observes a render's duration.
func (m *Metrics) Rendered(route string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.renderSeconds.WithLabelValues(route, result).Observe(took.Seconds())
}

// Invalidated counts an invalidation and the tags and paths it named.
func (m *Metrics) Invalidated(paths, tags []string, mode cache.Mode) {
	name := "stale"
	if mode == cache.Expire {
		name = "expire"
	}
	m.invalidations.WithLabelValues(name).Inc()
	m.invalidated.WithLabelValues("tag").Add(float64(len(tags)))
	m.invalidated.WithLabelValues("path").Add(float64(len(paths)))
}

// reads is how many requests of r the cache answered or filled.
func (r *routeStats) reads() uint64 {
	var n uint64
	for _, s := range []int{stateHit, stateStale, stateMiss, stateExpired, stateRYW} {
		for c := range numClasses {
			n += r.requests[s][c].Load()
		}
	}
	return n
}

func (r *routeStats) state(s int) uint64 {
	var n uint64
	for c := range numClasses {
		n += r.requests[s][c].Load()
	}
	return n
}
