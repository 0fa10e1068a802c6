package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// hanging is a one-page app whose first render succeeds and whose later
// renders hang until the test ends, ignoring their context.
type hanging struct {
	renders atomic.Int64
	started chan struct{} // receives once per hung render
	release chan struct{}
}

func newHanging(t *testing.T) *hanging {
	h := &hanging{started: make(chan struct{}, 16), release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h *hanging) routes() page.Routes {
	return page.Routes{Pages: []page.Page{{
		Pattern: "/news", Revalidate: time.Hour,
		Render: func(*gox.Ctx) (templ.Component, error) {
			if h.renders.Add(1) > 1 {
				h.started <- struct{}{}
				<-h.release
			}
			return templ.Raw(`<p id="news">first</p>`), nil
		},
	}}}
}

// serveHanging starts the app on 127.0.0.1 and returns its URL, the
// function that stops it (as SIGTERM does Main's context) and Serve's
// result.
func serveHanging(t *testing.T, h *hanging, log io.Writer) (*server.App, cache.Store, string, context.CancelFunc, <-chan error) {
	t.Helper()
	st := openStore(t)
	app, err := server.New(h.routes(), server.Config{
		Store:           st,
		ShutdownTimeout: time.Second,
		Engine:          isr.Options{EagerBudget: -1}, // regenerations start from requests alone
		Logger:          slog.New(slog.NewTextHandler(log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	if state, _, err := fetch(http.DefaultClient, url+"/news"); err != nil || state != "MISS" {
		t.Fatalf("first GET: %q, %v; want MISS", state, err)
	}
	return app, st, url, stop, done
}

// TestShutdownHungRenderGetsLastGoodPage: a request waiting on a hung
// render when shutdown begins gets the last good page before the deadline,
// and shutdown ends cleanly: nothing a visitor waited for was cut.
func TestShutdownHungRenderGetsLastGoodPage(t *testing.T) {
	t.Parallel()
	h := newHanging(t)
	var log syncBuffer
	app, _, url, stop, done := serveHanging(t, h, &log)
	if _, err := app.Revalidate(context.Background(), []string{"/news"}, nil, cache.Expire); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		state, body string
		err         error
	}
	got := make(chan answer, 1)
	go func() {
		state, body, err := fetch(http.DefaultClient, url+"/news")
		got <- answer{state, body, err}
	}()
	<-h.started // the request waits on the hung render
	stop()
	a := <-got
	if a.err != nil || a.state != "STALE" || !strings.Contains(a.body, "first") {
		t.Fatalf("request during shutdown: %q %q %v; want the last good page, STALE", a.state, a.body, a.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	for _, want := range []string{`msg="gox shutting down" timeout=1s`, "abandoning renders still running", `msg="gox stopped"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestShutdownMissWithoutPageIs503: a request with no page to fall back
// on gets 503 with Retry-After, never an empty reply.
func TestShutdownMissWithoutPageIs503(t *testing.T) {
	t.Parallel()
	h := newHanging(t)
	var log syncBuffer
	_, st, url, stop, done := serveHanging(t, h, &log)
	if err := st.Delete(context.Background(), "/news"); err != nil {
		t.Fatal(err)
	}
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(url + "/news")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got <- resp
	}()
	<-h.started
	stop()
	resp := <-got
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("miss during shutdown: %v; want 503 with Retry-After", resp)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v, want nil\n%s", err, log.String())
	}
}

// TestShutdownAbandonsBackgroundWork: a hung background regeneration is
// abandoned at the deadline; it fails nothing, so shutdown succeeds.
func TestShutdownAbandonsBackgroundWork(t *testing.T) {
	t.Parallel()
	h := newHanging(t)
	var log syncBuffer
	app, st, url, stop, done := serveHanging(t, h, &log)
	if _, err := app.Revalidate(context.Background(), []string{"/news"}, nil, cache.Stale); err != nil {
		t.Fatal(err)
	}
	if state, _, err := fetch(http.DefaultClient, url+"/news"); err != nil || (state != "STALE" && state != "HIT") {
		t.Fatalf("GET after revalidate: %q %v", state, err)
	}
	<-h.started // the background regeneration hangs
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	if want := "background regenerations abandoned at the deadline"; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log.String())
	}
	// The abandoned render recorded no failure on the page.
	l, err := st.Get(context.Background(), "/news")
	if err != nil || l.Entry.LastError != "" || l.Entry.Failures != 0 {
		t.Fatalf("entry after shutdown: %+v, %v; want no failure recorded", l.Entry, err)
	}
}

// TestMainStopsCleanly: Main serves until its context ends, then exits 0,
// every line it wrote a structured log line.
func TestMainStopsCleanly(t *testing.T) {
	t.Setenv("GOX_CACHE", t.TempDir()+"/cache.db")
	t.Setenv("HOST", "127.0.0.1")
	t.Setenv("PORT", "0")
	t.Setenv("GOX_SHUTDOWN_TIMEOUT", "2s")
	h := newHanging(t)
	ctx, stop := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() { code <- server.Main(ctx, h.routes(), nil, &stdout, &stderr) }()
	for !strings.Contains(stderr.String(), "gox listening") {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if got := <-code; got != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", got, stderr.String())
	}
	for line := range strings.SplitSeq(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.HasPrefix(line, "time=") {
			t.Errorf("not a structured log line: %q", line)
		}
	}
	if !strings.Contains(stderr.String(), "timeout=2s") {
		t.Errorf("GOX_SHUTDOWN_TIMEOUT not used:\n%s", stderr.String())
	}
}

// TestConfigTimeouts: the render and shutdown timeouts come from the
// environment, and a bad one is a usage error naming the variable.
func TestConfigTimeouts(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GOX_RENDER_TIMEOUT": "5s", "GOX_SHUTDOWN_TIMEOUT": "20s"}
	cfg, err := server.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || cfg.RenderTimeout != 5*time.Second || cfg.ShutdownTimeout != 20*time.Second {
		t.Fatalf("got %v %v %v", cfg.RenderTimeout, cfg.ShutdownTimeout, err)
	}
	for _, name := range []string{"GOX_RENDER_TIMEOUT", "GOX_SHUTDOWN_TIMEOUT"} {
		for _, bad := range []string{"soon", "0", "-1s"} {
			_, err := server.ConfigFromEnv(func(k string) string {
				if k == name {
					return bad
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "hint:") {
				t.Errorf("%s=%s: %v; want an error naming it with a hint", name, bad, err)
			}
		}
	}
}
