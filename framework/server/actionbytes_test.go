package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

func TestActionBodiesInFlightAreBounded(t *testing.T) {
	t.Parallel()
	const (
		maxBody  = 64 << 10
		inFlight = 256 << 10
		size     = 60 << 10 // four fit at once, a fifth does not
		posts    = 12
	)
	gate := make(chan struct{})
	var ran atomic.Int64
	routes := page.Routes{Pages: []page.Page{{
		Pattern: "/form", Render: func(*gox.Ctx) (templ.Component, error) { return testapp.TextPage("form"), nil },
		Actions: gox.Actions{"hold": func(c *gox.Ctx) error {
			if ran.Add(1) > inFlight/size {
				return nil // over the bound: answer at once, so the test fails rather than hangs
			}
			<-gate
			return nil
		}},
	}}}
	app, err := server.New(routes, server.Config{
		Store: openStore(t), MaxActionBytes: maxBody, ActionBytesInFlight: inFlight,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	h := &harness{url: srv.URL, app: app}

	body := "q=" + strings.Repeat("x", size-2)
	type answer struct {
		code       int
		retryAfter string
	}
	answers := make(chan answer, posts)
	var wg sync.WaitGroup
	for range posts {
		wg.Go(func() {
			// Not h.post: t.Fatal must not be called from this goroutine.
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/form?/hold", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.URL)
			resp, err := noRedirects(nil).Do(req)
			if err != nil {
				answers <- answer{code: -1, retryAfter: err.Error()}
				return
			}
			resp.Body.Close()
			answers <- answer{resp.StatusCode, resp.Header.Get("Retry-After")}
		})
	}
	// The refused posts answer while the admitted ones are held.
	for range posts - inFlight/size {
		a := <-answers
		if a.code != http.StatusServiceUnavailable || a.retryAfter == "" {
			t.Errorf("refused post: %d Retry-After %q, want 503 with Retry-After", a.code, a.retryAfter)
		}
	}
	if n := ran.Load(); n > inFlight/size {
		t.Errorf("%d actions ran, want at most %d", n, inFlight/size)
	}
	close(gate)
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.code != http.StatusSeeOther {
			t.Errorf("admitted post: %d, want 303", a.code)
		}
	}
	if n := ran.Load(); n != inFlight/size {
		t.Errorf("%d actions ran, want %d", n, inFlight/size)
	}
	if peak, limit := app.ActionBytesPeak(); peak > inFlight || limit != inFlight || peak < size {
		t.Errorf("peak %d bytes in flight (bound %d), want within %d", peak, limit, inFlight)
	}
	// Released: the next post runs.
	if resp, _ := h.post(t, nil, "/form?/hold", srv.URL, "", body); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("post after release: %d, want 303", resp.StatusCode)
	}
}

func TestActionBodyDefaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	// Over the 1 MiB default: refused before it is read, the action never runs.
	resp, _ := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1&pad="+strings.Repeat("x", 1<<20))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || h.fix.Actions.Load() != 0 {
		t.Fatalf("1 MiB body: %d, %d actions; want 413, none", resp.StatusCode, h.fix.Actions.Load())
	}
	// A 422 page shows a bounded, valid prefix of what was sent.
	value := strings.Repeat("9", 4000) + "\xff"
	resp, body := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity="+value)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d, want 422", resp.StatusCode)
	}
	if strings.Contains(body, strings.Repeat("9", 1025)) || !strings.Contains(body, strings.Repeat("9", 1024)) {
		t.Fatalf("422 page echoes %d nines, want 1024", strings.Count(body, "9"))
	}
	if strings.Contains(body, "\xff") {
		t.Fatal("422 page echoes invalid UTF-8")
	}
}

func TestConfigFromEnvActionBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		env                map[string]string
		wantMax, wantTotal int64
		wantErr            string
	}{
		{"unset", nil, 0, 0, ""},
		{"both", map[string]string{"GOX_MAX_ACTION_BYTES": "65536", "GOX_ACTION_BYTES_IN_FLIGHT": "1048576"}, 65536, 1 << 20, ""},
		{"not a number", map[string]string{"GOX_MAX_ACTION_BYTES": "1MiB"}, 0, 0, "GOX_MAX_ACTION_BYTES"},
		{"zero", map[string]string{"GOX_ACTION_BYTES_IN_FLIGHT": "0"}, 0, 0, "GOX_ACTION_BYTES_IN_FLIGHT"},
	}
	for _, tt := range tests {
		cfg, err := server.ConfigFromEnv(func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "hint: ") {
				t.Errorf("%s: err = %v, want %q with a hint", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || cfg.MaxActionBytes != tt.wantMax || cfg.ActionBytesInFlight != tt.wantTotal {
			t.Errorf("%s: got %d %d %v, want %d %d", tt.name, cfg.MaxActionBytes, cfg.ActionBytesInFlight, err, tt.wantMax, tt.wantTotal)
		}
	}
}
