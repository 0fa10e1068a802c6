package server_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/framework/server"
)

// accessLine is one access log line as the JSON handler writes it.
type accessLine struct {
	Msg      string `json:"msg"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Status   int    `json:"status"`
	Cache    string `json:"cache"`
	Bytes    int64  `json:"bytes"`
	Duration int64  `json:"duration"`
}

// accessLines parses the access log lines in logs.
func accessLines(t *testing.T, logs string) []accessLine {
	t.Helper()
	var out []accessLine
	if strings.TrimSpace(logs) == "" {
		return nil
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var l accessLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l.Msg == "gox request" {
			out = append(out, l)
		}
	}
	return out
}

// TestAccessLog: with the access log on, each request is one line with
// its method, path (never its query), status, cache state, body bytes and
// duration; a long path is cut.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := newHarness(t, server.Config{AccessLog: true, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	long := "/" + strings.Repeat("a", 3*route.MaxPathLength)
	var bodies []int
	for _, r := range []struct{ method, path string }{
		{"GET", "/products/1?token=secret"}, {"GET", "/products/1"}, {"HEAD", "/products/1"}, {"GET", "/no/such/page"}, {"GET", long},
	} {
		_, body := h.do(t, r.method, r.path)
		bodies = append(bodies, len(body))
	}
	got := accessLines(t, logs.String())
	want := []accessLine{
		{Method: "GET", Path: "/products/1", Status: 200, Cache: "MISS", Bytes: int64(bodies[0])},
		{Method: "GET", Path: "/products/1", Status: 200, Cache: "HIT", Bytes: int64(bodies[1])},
		{Method: "HEAD", Path: "/products/1", Status: 200, Cache: "HIT"},
		{Method: "GET", Path: "/no/such/page", Status: 404, Cache: "MISS", Bytes: int64(bodies[3])},
		{Method: "GET", Path: long[:route.MaxPathLength] + "...", Status: 414, Cache: "ERROR", Bytes: int64(bodies[4])},
	}
	if len(got) != len(want) {
		t.Fatalf("%d access lines, want %d:\n%s", len(got), len(want), logs.String())
	}
	for i, w := range want {
		g := got[i]
		if g.Duration <= 0 {
			t.Errorf("line %d: duration %d, want > 0", i, g.Duration)
		}
		g.Msg, g.Duration = "", 0
		if g != w {
			t.Errorf("line %d:\n got %.300v\nwant %.300v", i, g, w)
		}
	}
	if strings.Contains(logs.String(), "secret") {
		t.Errorf("the query reached the log:\n%s", logs.String())
	}
}

// TestNoAccessLogByDefault: without GOX_ACCESS_LOG, requests log nothing.
func TestNoAccessLogByDefault(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := newHarness(t, server.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h.get(t, "/products/1")
	if got := accessLines(t, logs.String()); len(got) != 0 {
		t.Errorf("access lines without the access log: %+v", got)
	}
}

// TestHostileLogLines: a request's method and path reach a log line cut
// to a bound, however long the client sent them: the access log's, and
// the warning of an admin request refused for its token.
func TestHostileLogLines(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := newHarness(t, server.Config{AccessLog: true, MetricsToken: "metrics-secret", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	method := strings.Repeat("M", 60_000)
	long := strings.Repeat("a", 60_000)
	for _, r := range []struct{ method, path string }{
		{method, "/products/1"},
		{"PROPFIND", "/products/1"},
		{"GET", "/_gox/cache/" + long},
		{method, "/" + long},
	} {
		h.do(t, r.method, r.path)
	}
	const bound = 2*route.MaxPathLength + 300
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	for _, line := range lines {
		if len(line) > bound {
			t.Errorf("a log line of %d bytes, want at most %d: %.300s", len(line), bound, line)
		}
	}
	got := accessLines(t, logs.String())
	if len(got) != 4 || got[0].Method != strings.Repeat("M", 16)+"..." || got[1].Method != "PROPFIND" || got[0].Status != 405 {
		t.Fatalf("access lines: %.300v", got)
	}
	if n := strings.Count(logs.String(), `"msg":"admin: refused"`); n != 1 {
		t.Fatalf("%d admin refusals logged, want 1:\n%.2000s", n, logs.String())
	}
}
