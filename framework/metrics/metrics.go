// Package metrics gathers what a gox app does, for Prometheus
// (/_gox/metrics, in the text exposition format) and for the cache
// inspector (/_gox/cache): requests by route and cache state, bytes sent,
// renders and their durations, regenerations, writes and failures per
// route with the last error, invalidations, the regeneration queue, the
// store's calls, errors and latency, the memory tier's hit rate, the CDN
// purges, and a short history of reads and writes.
//
// A Metrics is an isr.Observer (compose it with the counting observer
// through isr.Observers), and the server reports each response to
// Response.
// Counting a request is a map lookup and a few atomic adds: nothing is
// allocated on the request path. Everything else is read when Prometheus
// scrapes.
//
// Example:
//
//	m := metrics.New(metrics.Options{Store: store, Pending: engine.Pending})
//	defer m.Close()
//	m.Response("/products/{id}", []string{"HIT"}, 200, 16384)
//	http.Handle("/_gox/metrics", m.Handler())
package metrics

import (
	"cmp"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/purge"
)

// Options say where a Metrics finds what it does not count itself. Nil
// fields are left out of the exposition.
type Options struct {
	// Store is the app's store: its memory tier's and inner store's
	// counts are exported when it has a Metrics method (package tiered),
	// its health when it is a cache.HealthReporter.
	Store cache.Store
	// Pending returns the regenerations queued or running
	// (isr.Engine.Pending).
	Pending func() int
	// Purges returns the CDN purge queue's counts (purge.Queue.Stats).
	Purges func() []purge.Stats
	// Interval is the width of one point of History (default 10 s), and
	// Points how many are kept (default 90: a quarter of an hour).
	Interval time.Duration
	Points   int
}

// Metrics counts. It is safe for concurrent use.
type Metrics struct {
	opts Options
	reg  *prometheus.Registry

	// routes is copied on write: a request reads it with one atomic load
	// and a map lookup. Routes are few and known early.
	routes atomic.Pointer[map[string]*routeStats]
	mu     sync.Mutex // serializes writers of routes

	renderSeconds *prometheus.HistogramVec
	invalidations *prometheus.CounterVec
	invalidated   *prometheus.CounterVec

	history *history
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
}

var (
	_ isr.Observer             = (*Metrics)(nil)
	_ isr.InvalidationObserver = (*Metrics)(nil)
	_ isr.RenderObserver       = (*Metrics)(nil)
)

// New returns a Metrics and starts the goroutine that keeps its history.
// Close stops it.
func New(opts Options) *Metrics {
	opts.Interval = cmp.Or(opts.Interval, 10*time.Second)
	opts.Points = cmp.Or(opts.Points, 90)
	m := &Metrics{
		opts: opts,
		reg:  prometheus.NewRegistry(),
		renderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gox_render_seconds",
			Help:    "Time a render of a cached page took, by route and result (ok or error).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "result"}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gox_invalidations_total",
			Help: "On-demand invalidations this process made, by mode (stale or expire).",
		}, []string{"mode"}),
		invalidated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gox_invalidated_names_total",
			Help: "Tags and paths named by this process's invalidations, by kind (tag or path).",
		}, []string{"kind"}),
		history: newHistory(opts.Points),
		stop:    make(chan struct{}),
	}
	m.routes.Store(&map[string]*routeStats{})
	m.reg.MustRegister(m.renderSeconds, m.invalidations, m.invalidated, collector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.wg.Go(m.keepHistory)
	return m
}

// Handler serves the metrics in Prometheus's text format. It does no
// authorization: the server puts it behind its token or admin listener.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry returns the registry the metrics are in, for an app that adds
// its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Close stops the history goroutine; it may be called again.
func (m *Metrics) Close() error {
	if m.closed.CompareAndSwap(false, true) {
		close(m.stop)
		m.wg.Wait()
	}
	return nil
}

// of returns route's stats, creating them once.
func (m *Metrics) of(route string) *routeStats {
	if r, ok := (*m.routes.Load())[route]; ok {
		return r
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if r, ok := old[route]; ok {
		return r
	}
	if len(old) >= maxRoutes {
		if r, ok := old[otherRoute]; ok {
			return r
		}
		route = otherRoute
	}
	next := make(map[string]*routeStats, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	r := &routeStats{}
	next[route] = r
	m.routes.Store(&next)
	return r
}

// maxRoutes bounds the routes counted apart; past it they count as
// otherRoute. The server names routes by pattern, so a real app stays far
// below it, but a bug that named them by URL must not grow memory and
// label sets without bound.
const maxRoutes = 1000

const otherRoute = "(other)"

// sortedRoutes returns the routes and their stats, by name.
func (m *Metrics) sortedRoutes() []namedStats {
	routes := *m.routes.Load()
	out := make([]namedStats, 0, len(routes))
	for name, r := range routes {
		out = append(out, namedStats{name, r})
	}
	slices.SortFunc(out, func(a, b namedStats) int { return cmp.Compare(a.name, b.name) })
	return out
}

type namedStats struct {
	name string
	r    *routeStats
}
