package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/tiered"
)

// collector reads the atomic counts, the store and the queues when
// Prometheus scrapes.
type collector struct{ m *Metrics }

var (
	descRequests = prometheus.NewDesc("gox_requests_total",
		"Responses by route, X-Gox-Cache state (HIT, STALE, MISS, EXPIRED, RYW, ...; none for plain handlers and files) and status class.",
		[]string{"route", "cache", "code"}, nil)
	descBytes = prometheus.NewDesc("gox_response_bytes_total",
		"Body bytes sent, by route.", []string{"route"}, nil)
	descRegenerations = prometheus.NewDesc("gox_regenerations_total",
		"Renders of cached pages started (misses, expired pages, background and on-demand regenerations), by route.", []string{"route"}, nil)
	descWrites = prometheus.NewDesc("gox_cache_writes_total",
		"New pages written to the store, by route.", []string{"route"}, nil)
	descFailures = prometheus.NewDesc("gox_render_failures_total",
		"Failed renders of cached pages (errors, panics, timeouts, results that may not be stored), by route.", []string{"route"}, nil)
	descQueue = prometheus.NewDesc("gox_regeneration_queue",
		"Background regenerations queued or running.", nil, nil)
	descMemHits = prometheus.NewDesc("gox_memory_tier_hits_total",
		"Store reads answered by the memory tier.", nil, nil)
	descMemMisses = prometheus.NewDesc("gox_memory_tier_misses_total",
		"Store reads the memory tier passed to the store behind it.", nil, nil)
	descStoreSeconds = prometheus.NewDesc("gox_store_seconds",
		"Time of calls to the store behind the memory tier, by operation.", []string{"op"}, nil)
	descStoreErrors = prometheus.NewDesc("gox_store_errors_total",
		"Failed calls to the store behind the memory tier, by operation.", []string{"op"}, nil)
	descHealthy = prometheus.NewDesc("gox_store_healthy",
		"1 while the store works, 0 while it fails (writes failing, unreachable, no cache at all).", nil, nil)
	descPurges = prometheus.NewDesc("gox_cdn_purges_total",
		"CDN purge calls by CDN and result: ok, failed (a try that failed), gave_up (not purged after its tries), dropped (the queue was full).",
		[]string{"cdn", "result"}, nil)
	descPurgeKeys = prometheus.NewDesc("gox_cdn_purged_keys_total",
		"Keys purged by successful calls, by CDN.", []string{"cdn"}, nil)
	descPurgeQueue = prometheus.NewDesc("gox_cdn_purge_queue",
		"Purges waiting, by CDN.", []string{"cdn"}, nil)
)

// storeMetrics is a store that counts its calls (package tiered's).
type storeMetrics interface{ Metrics() tiered.Metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descBytes, descRegenerations, descWrites, descFailures,
		descQueue, descMemHits, descMemMisses, descStoreSeconds, descStoreErrors, descHealthy,
		descPurges, descPurgeKeys, descPurgeQueue} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, ns := range m.sortedRoutes() {
		r := ns.r
		for s := range numStates {
			for cl := range numClasses {
				if n := r.requests[s][cl].Load(); n > 0 {
					counter(descRequests, n, ns.name, stateNames[s], classNames[cl])
				}
			}
		}
		counter(descBytes, r.bytes.Load(), ns.name)
		counter(descRegenerations, r.regenerations.Load(), ns.name)
		counter(descWrites, r.writes.Load(), ns.name)
		counter(descFailures, r.failures.Load(), ns.name)
	}
	if m.opts.Pending != nil {
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(m.opts.Pending()))
	}
	if sm, ok := m.opts.Store.(storeMetrics); ok {
		tm := sm.Metrics()
		counter(descMemHits, tm.MemoryHits)
		counter(descMemMisses, tm.MemoryMisses)
		bounds := make([]float64, len(tiered.LatencyBuckets))
		for i, b := range tiered.LatencyBuckets {
			bounds[i] = b.Seconds()
		}
		for _, op := range tm.Inner {
			buckets := make(map[float64]uint64, len(bounds))
			for i, n := range op.Buckets {
				buckets[bounds[i]] = n
			}
			ch <- prometheus.MustNewConstHistogram(descStoreSeconds, op.Calls, op.Total.Seconds(), buckets, op.Op)
			counter(descStoreErrors, op.Errors, op.Op)
		}
	}
	if hr, ok := m.opts.Store.(cache.HealthReporter); ok {
		v := 1.0
		if hr.Health() != nil {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, v)
	}
	if m.opts.Purges != nil {
		for _, s := range m.opts.Purges() {
			counter(descPurges, uint64(s.Calls), s.CDN, "ok")
			counter(descPurges, uint64(s.Failures), s.CDN, "failed")
			counter(descPurges, uint64(s.GaveUp), s.CDN, "gave_up")
			counter(descPurges, uint64(s.Dropped), s.CDN, "dropped")
			counter(descPurgeKeys, uint64(s.Keys), s.CDN)
			ch <- prometheus.MustNewConstMetric(descPurgeQueue, prometheus.GaugeValue, float64(s.Queued), s.CDN)
		}
	}
}
