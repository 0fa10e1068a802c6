package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/metrics"
	"github.com/goxweb/gox/framework/purge"
)

// Scrape fetches m's exposition through its handler and parses it.
func Scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/_gox/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("scrape: %d %s", w.Code, w.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, w.Body)
	}
	return fams
}

// value returns the value of the sample of name whose labels include
// labels ("k=v"), or -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.Metric {
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			if !slices.ContainsFunc(m.Label, func(p *dto.LabelPair) bool { return p.GetName() == k && p.GetValue() == v }) {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestExpositionMatchesWhatWasCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := tiered.New(memory.New(), tiered.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := &cache.Entry{Key: "/a", Route: "/a", Status: 200, Body: []byte("a"), Sum: xxhash.Sum64String("a"), GeneratedAt: time.Now()}
	if err := st.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	st.Get(ctx, "/a")
	st.Get(ctx, "/a")
	m := metrics.New(metrics.Options{
		Store: st, Pending: func() int { return 3 },
		Purges: func() []purge.Stats {
			return []purge.Stats{{CDN: "fastly", Calls: 2, Keys: 5, Failures: 1, Dropped: 4, Queued: 1}}
		},
	})
	defer m.Close()
	for range 7 {
		m.Response("/p/{id}", []string{"HIT"}, 200, 100)
	}
	m.Response("/p/{id}", []string{"MISS"}, 200, 100)
	m.Response("/p/{id}", []string{"ERROR"}, 500, 10)
	m.Response("/static.txt", nil, 304, 0)
	m.Response("/h", []string{"made-up"}, 200, 1)
	m.Response("/h", []string{"UNCACHED"}, 302, 0)
	m.Response("/p/{id}", []string{"ACTION"}, 422, 0)
	var obs isr.Observer = m
	obs.Regenerating("/p/{id}", "/p/1")
	obs.Stored("/p/{id}", "/p/1")
	obs.Failed("/p/{id}", "/p/2", errors.New("db down"))
	m.Rendered("/p/{id}", 20*time.Millisecond, nil)
	m.Rendered("/p/{id}", time.Second, errors.New("db down"))
	m.Invalidated([]string{"/p/1"}, []string{"a", "b"}, cache.Expire)

	f := Scrape(t, m)
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"gox_requests_total", []string{"route=/p/{id}", "cache=HIT", "code=2xx"}, 7},
		{"gox_requests_total", []string{"route=/p/{id}", "cache=MISS", "code=2xx"}, 1},
		{"gox_requests_total", []string{"route=/p/{id}", "cache=ERROR", "code=5xx"}, 1},
		{"gox_requests_total", []string{"route=/static.txt", "cache=none", "code=3xx"}, 1},
		{"gox_requests_total", []string{"route=/h", "cache=other"}, 1},
		{"gox_requests_total", []string{"route=/h", "cache=UNCACHED", "code=3xx"}, 1},
		{"gox_requests_total", []string{"route=/p/{id}", "cache=ACTION", "code=4xx"}, 1},
		{"gox_response_bytes_total", []string{"route=/p/{id}"}, 810},
		{"gox_regenerations_total", []string{"route=/p/{id}"}, 1},
		{"gox_cache_writes_total", []string{"route=/p/{id}"}, 1},
		{"gox_render_failures_total", []string{"route=/p/{id}"}, 1},
		{"gox_render_seconds", []string{"route=/p/{id}", "result=ok"}, 1},
		{"gox_render_seconds", []string{"route=/p/{id}", "result=error"}, 1},
		{"gox_invalidations_total", []string{"mode=expire"}, 1},
		{"gox_invalidated_names_total", []string{"kind=tag"}, 2},
		{"gox_invalidated_names_total", []string{"kind=path"}, 1},
		{"gox_regeneration_queue", nil, 3},
		{"gox_memory_tier_hits_total", nil, 1},
		{"gox_memory_tier_misses_total", nil, 1},
		{"gox_store_seconds", []string{"op=put"}, 1},
		{"gox_store_seconds", []string{"op=get"}, 1},
		{"gox_store_errors_total", []string{"op=get"}, 0},
		{"gox_store_healthy", nil, 1},
		{"gox_cdn_purges_total", []string{"cdn=fastly", "result=ok"}, 2},
		{"gox_cdn_purges_total", []string{"cdn=fastly", "result=dropped"}, 4},
		{"gox_cdn_purged_keys_total", []string{"cdn=fastly"}, 5},
		{"gox_cdn_purge_queue", []string{"cdn=fastly"}, 1},
	}
	for _, tt := range tests {
		if got := value(f, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if _, ok := f["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}

	routes := m.Routes()
	var p metrics.Route
	for _, r := range routes {
		if r.Route == "/p/{id}" {
			p = r
		}
	}
	if p.Hits != 7 || p.Misses != 1 || p.Reads != 8 || p.Requests != 10 || p.Writes != 1 || p.LastError != "db down" || p.HitRate() != 7.0/8 {
		t.Errorf("route %+v", p)
	}
	st.Close()
	if value(Scrape(t, m), "gox_store_healthy", nil...) != 0 {
		t.Error("a closed store reads as healthy")
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Interval: time.Hour, Points: 3})
	defer m.Close()
	at := time.Unix(1000, 0)
	for i := range 5 {
		for range i {
			m.Response("/a", []string{"HIT"}, 200, 1)
		}
		m.Stored("/a", "/a")
		m.Tick(at.Add(time.Duration(i) * time.Second))
	}
	h := m.History()
	var reads []uint64
	for _, p := range h {
		reads = append(reads, p.Reads)
		if p.Writes != 1 {
			t.Errorf("point %v: %d writes, want 1", p.At, p.Writes)
		}
	}
	if !slices.Equal(reads, []uint64{2, 3, 4}) || !h[0].At.Equal(at.Add(2*time.Second)) {
		t.Errorf("history reads %v from %v, want the last three intervals [2 3 4]", reads, h[0].At)
	}
}

func TestResponseDoesNotAllocate(t *testing.T) {
	m := metrics.New(metrics.Options{})
	defer m.Close()
	hit := []string{"HIT"}
	m.Response("/a", hit, 200, 10)
	if n := testing.AllocsPerRun(1000, func() { m.Response("/a", hit, 200, 10) }); n != 0 {
		t.Errorf("Response: %v allocations, want 0", n)
	}
}

func TestRoutesAreBounded(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{})
	defer m.Close()
	for i := range 1500 {
		m.Response("/u/"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+string(rune(i)), nil, 200, 1)
	}
	if n := len(m.Routes()); n > 1001 {
		t.Fatalf("%d routes kept, want at most 1001", n)
	}
}

func TestWritesTooOften(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		reads, writes uint64
		want          bool
	}{{100, 10, false}, {15, 10, true}, {3, 2, false}, {19, 10, true}, {20, 10, false}} {
		if got := (metrics.Route{Reads: tt.reads, Writes: tt.writes}).WritesTooOften(); got != tt.want {
			t.Errorf("%d reads, %d writes: %v, want %v", tt.reads, tt.writes, got, tt.want)
		}
	}
}
