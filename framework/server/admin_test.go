package server_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/none"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/server"
)

// plain is a client that neither follows redirects nor asks for gzip, so
// the bytes it reads are the bytes the server sent.
var plain = &http.Client{
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// sendPlain sends method path to base with header lines and returns the status
// and body.
func sendPlain(t *testing.T, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, hl := range header {
		k, v, _ := strings.Cut(hl, ": ")
		if k == "Host" {
			req.Host = v // the client ignores a Host header
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// scrape reads /_gox/metrics with the token and parses it.
func scrape(t *testing.T, base, token string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := sendPlain(t, "GET", base+"/_gox/metrics", "Authorization: Bearer "+token)
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

// sample returns the value of name's sample whose labels include labels
// ("k=v"), 0 when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return 0
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
	return 0
}

// The metrics endpoint's numbers are the traffic sent: requests by route,
// cache state and status class, the bytes read, renders, writes and
// invalidations.
func TestMetricsMatchTraffic(t *testing.T) {
	t.Parallel()
	// No eager regeneration, so that the request after the expiry waits.
	h := newHarness(t, server.Config{MetricsToken: "metrics-secret", Engine: isr.Options{EagerBudget: -1}})
	var bytes int
	get := func(path string, header ...string) *http.Response {
		resp, body := sendPlain(t, "GET", h.url+path, header...)
		bytes += len(body)
		return resp
	}
	get("/products/1") // MISS
	h.app.Engine().WaitWrites()
	for range 6 {
		get("/products/1") // HIT
	}
	get("/products/2", "Accept-Encoding: br") // MISS, brotli bytes counted
	for range 3 {
		get("/no/such/page") // the not-found page: MISS then HITs
	}
	h.app.Engine().WaitWrites()
	if resp, _ := h.post(t, nil, "/products/2?/buy", h.url, "", "quantity=1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("action: %d", resp.StatusCode)
	}
	h.fix.SetProduct("1", testapp.Product{Name: "Beaver", Stock: 1}) // a new page: a write
	if _, err := h.app.Revalidate(context.Background(), nil, []string{"product-1"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	if resp := get("/products/1"); resp.Header.Get("X-Gox-Cache") != "EXPIRED" {
		t.Fatalf("after expire: %s", resp.Header.Get("X-Gox-Cache"))
	}
	h.app.Engine().WaitWrites()

	f := scrape(t, h.url, "metrics-secret")
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"gox_requests_total", []string{"route=/products/{id}", "cache=MISS", "code=2xx"}, 2},
		{"gox_requests_total", []string{"route=/products/{id}", "cache=HIT", "code=2xx"}, 6},
		{"gox_requests_total", []string{"route=/products/{id}", "cache=EXPIRED", "code=2xx"}, 1},
		{"gox_requests_total", []string{"route=/_gox/not-found", "cache=MISS", "code=4xx"}, 1},
		{"gox_requests_total", []string{"route=/_gox/not-found", "cache=HIT", "code=4xx"}, 2},
		{"gox_regenerations_total", []string{"route=/products/{id}"}, 3},
		{"gox_cache_writes_total", []string{"route=/products/{id}"}, 3},
		{"gox_render_seconds", []string{"route=/products/{id}", "result=ok"}, 3},
		{"gox_requests_total", []string{"route=/products/{id}", "cache=none", "code=3xx"}, 1},
		{"gox_invalidations_total", []string{"mode=expire"}, 1},
		{"gox_invalidations_total", []string{"mode=stale"}, 1},
		{"gox_invalidated_names_total", []string{"kind=tag"}, 2},
		{"gox_store_healthy", nil, 1},
		{"gox_regeneration_queue", nil, 0},
	}
	for _, tt := range tests {
		if got := sample(f, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	sent := sample(f, "gox_response_bytes_total", "route=/products/{id}") + sample(f, "gox_response_bytes_total", "route=/_gox/not-found")
	if sent != float64(bytes) {
		t.Errorf("bytes counted %v, read %d", sent, bytes)
	}
	if sample(f, "gox_memory_tier_hits_total") < 6 || sample(f, "gox_store_seconds", "op=put") != 4 {
		t.Errorf("memory hits %v, store puts %v; want at least 6 and 4",
			sample(f, "gox_memory_tier_hits_total"), sample(f, "gox_store_seconds", "op=put"))
	}
}

// TestMetricsNameHandlersByPattern: a handler's requests and its renders
// are counted under one route, its pattern, so that reads and writes meet
// in one row.
func TestMetricsNameHandlersByPattern(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, server.Config{MetricsToken: "metrics-secret"}, nil,
		page.Handler{Pattern: "/api/stock/{id}", Method: http.MethodGet, Cached: true, Tags: page.StaticTags("stock"),
			Func: func(c echo.Context) error { return c.String(http.StatusOK, "stock "+c.Param("id")) }},
		page.Handler{Pattern: "/api/echo/{id}", Method: http.MethodGet,
			Func: func(c echo.Context) error { return c.String(http.StatusOK, c.Param("id")) }},
	)
	h.get(t, "/api/stock/1") // MISS
	h.app.Engine().WaitWrites()
	h.get(t, "/api/stock/1") // HIT
	h.get(t, "/api/echo/1")
	f := scrape(t, h.url, "metrics-secret")
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"gox_requests_total", []string{"route=/api/stock/{id}", "cache=MISS", "code=2xx"}, 1},
		{"gox_requests_total", []string{"route=/api/stock/{id}", "cache=HIT", "code=2xx"}, 1},
		{"gox_cache_writes_total", []string{"route=/api/stock/{id}"}, 1},
		{"gox_requests_total", []string{"route=/api/echo/{id}", "cache=none", "code=2xx"}, 1},
		{"gox_requests_total", []string{"route=/api/stock/:id"}, 0},
	}
	for _, tt := range tests {
		if got := sample(f, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}

func TestAdminAuth(t *testing.T) {
	t.Parallel()
	basic := func(user, pass string) string {
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	prod := newHarness(t, server.Config{MetricsToken: "metrics-secret"})
	tests := []struct {
		name, path string
		header     []string
		want       int
	}{
		{"no token", "/_gox/metrics", nil, 401},
		{"wrong bearer", "/_gox/metrics", []string{"Authorization: Bearer nope"}, 401},
		{"bearer", "/_gox/metrics", []string{"Authorization: Bearer metrics-secret"}, 200},
		{"basic password", "/_gox/metrics", []string{basic("ops", "metrics-secret")}, 200},
		{"basic wrong password", "/_gox/cache", []string{basic("metrics-secret", "x")}, 401},
		{"basic garbage", "/_gox/cache", []string{"Authorization: Basic !!!"}, 401},
		{"token in the query", "/_gox/metrics?token=metrics-secret", []string{"Authorization: Bearer metrics-secret"}, 401},
		{"inspector without", "/_gox/cache", nil, 401},
		{"inspector with", "/_gox/cache", []string{"Authorization: Bearer metrics-secret"}, 200},
		{"entry view with", "/_gox/cache/entry?key=/nothing", []string{"Authorization: Bearer metrics-secret"}, 404},
		{"health needs nothing", "/_gox/health", nil, 200},
	}
	for _, tt := range tests {
		resp, body := sendPlain(t, "GET", prod.url+tt.path, tt.header...)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d: %.200s", tt.name, resp.StatusCode, tt.want, body)
		}
		if resp.StatusCode == 401 && (resp.Header.Get("WWW-Authenticate") == "" || strings.Contains(body, "metrics-secret")) {
			t.Errorf("%s: 401 without WWW-Authenticate, or echoing the token", tt.name)
		}
	}
	// Past a burst of wrong tokens, even the right one waits.
	many := newHarness(t, server.Config{MetricsToken: "metrics-secret"})
	for range revalidate.DefaultFailBurst {
		sendPlain(t, "GET", many.url+"/_gox/metrics", "Authorization: Bearer wrong")
	}
	if resp, _ := sendPlain(t, "GET", many.url+"/_gox/metrics", "Authorization: Bearer metrics-secret"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("past the burst: %d, want 429 with Retry-After", resp.StatusCode)
	}

	// No token: not served in production, open in development.
	open := newHarness(t, server.Config{})
	for _, p := range []string{"/_gox/metrics", "/_gox/cache"} {
		if resp, _ := sendPlain(t, "GET", open.url+p); resp.StatusCode != 404 {
			t.Errorf("production without a token: %s %d, want 404", p, resp.StatusCode)
		}
	}
	dev := newHarness(t, server.Config{Dev: true})
	for _, p := range []string{"/_gox/metrics", "/_gox/cache"} {
		if resp, _ := sendPlain(t, "GET", dev.url+p); resp.StatusCode != 200 {
			t.Errorf("development: %s %d, want 200", p, resp.StatusCode)
		}
	}
}

// The admin listener serves the admin endpoints without a token and
// nothing else.
func TestAdminListener(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{AdminAddr: "127.0.0.1:0"})
	admin := httptest.NewServer(h.app.AdminHandler())
	t.Cleanup(admin.Close)
	for path, want := range map[string]int{"/_gox/metrics": 200, "/_gox/cache": 200, "/_gox/health": 200, "/products/1": 404, "/_gox/revalidate": 404} {
		if resp, _ := sendPlain(t, "GET", admin.URL+path); resp.StatusCode != want {
			t.Errorf("admin %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if resp, _ := sendPlain(t, "POST", admin.URL+"/_gox/metrics"); resp.StatusCode != 405 {
		t.Errorf("POST metrics: %d, want 405", resp.StatusCode)
	}
	// ListenAndServe opens it from the configuration.
	var log syncBuffer
	app, err := server.New(testapp.New().Routes(), server.Config{Store: openStore(t), AdminAddr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.ListenAndServe(ctx, "127.0.0.1:0") }()
	re := regexp.MustCompile(`gox admin listening" url=(\S+)`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; m = re.FindStringSubmatch(log.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no admin listener logged:\n%s", log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if resp, body := sendPlain(t, "GET", m[1]+"/_gox/health"); resp.StatusCode != 200 || body != "{\"status\":\"ok\"}\n" {
		t.Errorf("admin health: %d %q", resp.StatusCode, body)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	app.Close()
	if _, err := http.Get(m[1] + "/_gox/health"); err == nil {
		t.Error("the admin listener outlived the app")
	}
}

// TestAdminHosts: the endpoints served without a token, on the admin
// listener and in development, answer only a request for an IP address,
// localhost, the admin address's host or the origin's: a page whose name
// was rebound to the server's address (DNS rebinding) reads nothing, and
// cannot post to the inspector. Health is open to any.
func TestAdminHosts(t *testing.T) {
	t.Parallel()
	cfg := server.Config{AdminAddr: "ops.internal:9090", Origin: "https://shop.example"}
	h := newHarness(t, cfg)
	admin := httptest.NewServer(h.app.AdminHandler())
	t.Cleanup(admin.Close)
	dev := newHarness(t, server.Config{Dev: true})
	tests := []struct {
		url, path, host string
		want            int
	}{
		{admin.URL, "/_gox/metrics", "evil.example", 403},
		{admin.URL, "/_gox/cache", "evil.example:8080", 403},
		{admin.URL, "/_gox/cache/route?name=/", "EVIL.example", 403},
		{admin.URL, "/_gox/cache", "localhost.evil.example", 403},
		{admin.URL, "/_gox/health", "evil.example", 200},
		{admin.URL, "/_gox/metrics", "127.0.0.1:9090", 200},
		{admin.URL, "/_gox/metrics", "[::1]:9090", 200},
		{admin.URL, "/_gox/metrics", "10.1.2.3", 200},
		{admin.URL, "/_gox/cache", "localhost:9090", 200},
		{admin.URL, "/_gox/cache", "OPS.internal:9090", 200},
		{admin.URL, "/_gox/cache", "shop.example", 200},
		{dev.url, "/_gox/metrics", "evil.example", 403},
		{dev.url, "/_gox/cache", "evil.example", 403},
		{dev.url, "/_gox/cache", "localhost:3000", 200},
		{dev.url, "/", "evil.example", 200},
	}
	for _, tt := range tests {
		resp, body := sendPlain(t, "GET", tt.url+tt.path, "Host: "+tt.host)
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s with Host %q: %d, want %d: %.200s", tt.path, tt.host, resp.StatusCode, tt.want, body)
		}
	}
	// The inspector's form, posted by a rebound page: its Origin matches
	// the Host it sends, and it is refused still.
	resp, _ := sendPlain(t, "POST", admin.URL+"/_gox/cache/revalidate", "Host: evil.example", "Origin: http://evil.example",
		"Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != 403 {
		t.Errorf("POST from a rebound page: %d, want 403", resp.StatusCode)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	ok := newHarness(t, server.Config{})
	uncached, err := tiered.New(none.New("the folder is read-only"), tiered.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uncached.Close() })
	app, err := server.New(testapp.New().Routes(), server.Config{Store: uncached, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	degraded := httptest.NewServer(app.Handler())
	t.Cleanup(func() { degraded.Close(); app.Close() })
	tests := []struct {
		name, url, method string
		code              int
		body              string
	}{
		{"store works", ok.url, "GET", 200, `{"status":"ok"}` + "\n"},
		{"head", ok.url, "HEAD", 200, ""},
		{"no cache", degraded.URL, "GET", 503, `{"status":"degraded"}` + "\n"},
		{"post", ok.url, "POST", 405, ""},
	}
	for _, tt := range tests {
		resp, body := sendPlain(t, tt.method, tt.url+"/_gox/health")
		if resp.StatusCode != tt.code || (tt.body != "" && body != tt.body) || (tt.code != 405 && resp.Header.Get("Cache-Control") != "no-store") {
			t.Errorf("%s: %d %q %q, want %d %q", tt.name, resp.StatusCode, body, resp.Header.Get("Cache-Control"), tt.code, tt.body)
		}
	}
	// The page itself is served all the same, uncached.
	if resp, _ := sendPlain(t, "GET", degraded.URL+"/products/1"); resp.StatusCode != 200 {
		t.Errorf("page while degraded: %d", resp.StatusCode)
	}
	if strings.Contains(healthBody(t, degraded.URL), "read-only") {
		t.Error("the public health answer says why the store fails")
	}
}

// healthBody is the body of base's /_gox/health.
func healthBody(t *testing.T, base string) string {
	t.Helper()
	_, body := sendPlain(t, "GET", base+"/_gox/health")
	return body
}

func TestConfigFromEnvAdmin(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GOX_METRICS_TOKEN": "m", "GOX_ADMIN_ADDR": "127.0.0.1:9090"}
	cfg, err := server.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || cfg.MetricsToken != "m" || cfg.AdminAddr != "127.0.0.1:9090" {
		t.Fatalf("%+v %v", cfg, err)
	}
	for _, bad := range []map[string]string{
		{"GOX_ADMIN_ADDR": "9090"},
		{"GOX_METRICS_TOKEN": "same", "GOX_REVALIDATE_TOKEN": "same"},
		{"GOX_METRICS_TOKEN": "same", "GOX_DRAFT_SECRET": "same"},
	} {
		if _, err := server.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), "hint:") {
			t.Errorf("%v: %v, want an error with a hint", bad, err)
		}
	}
}
