package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// errorLines returns the ERROR records logged so far and forgets them.
func (s *syncBuffer) errorLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s.Take()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == "ERROR" {
			out = append(out, rec)
		}
	}
	return out
}

// hasStack reports whether a log record carries a goroutine stack, at its
// top level or in a group.
func hasStack(rec map[string]any) bool {
	for k, v := range rec {
		switch v := v.(type) {
		case string:
			if k == "stack" && strings.Contains(v, "goroutine") {
				return true
			}
		case map[string]any:
			if hasStack(v) {
				return true
			}
		}
	}
	return false
}

func TestPanicsAnswer500(t *testing.T) {
	t.Parallel()
	var draftPanics atomic.Bool
	var actionsRan atomic.Int64
	boom := func(*gox.Ctx) (templ.Component, error) { panic("page boom") }
	layouts := []func() templ.Component{testapp.Layout}
	routes := page.Routes{
		Layouts: layouts,
		Pages: []page.Page{
			{Pattern: "/dynamic", Render: boom, Layouts: layouts, Dynamic: true, Error: testapp.ErrorPage},
			{Pattern: "/draft", Layouts: layouts, Error: testapp.ErrorPage, Render: func(*gox.Ctx) (templ.Component, error) {
				if draftPanics.Load() {
					panic("draft boom")
				}
				return testapp.TextPage("draft"), nil
			}},
			{
				Pattern: "/form", Layouts: layouts, Error: testapp.ErrorPage,
				Render: func(c *gox.Ctx) (templ.Component, error) {
					if action.SubmissionFrom(c) != nil {
						panic("422 boom")
					}
					return testapp.TextPage("form"), nil
				},
				Actions: gox.Actions{
					"panic":   func(*gox.Ctx) error { actionsRan.Add(1); panic("action boom") },
					"invalid": func(*gox.Ctx) error { return gox.Invalid(gox.FormErrors{"q": "bad"}) },
				},
			},
		},
		Handlers: []page.Handler{
			{Pattern: "/api/boom", Method: http.MethodGet, Func: func(echo.Context) error { panic("handler boom") }},
			{Pattern: "/api/half", Method: http.MethodGet, Func: func(c echo.Context) error {
				c.Response().WriteHeader(http.StatusOK)
				_, _ = c.Response().Write([]byte("partial"))
				c.Response().Flush()
				panic("late boom")
			}},
		},
	}
	logs := &syncBuffer{}
	app, err := server.New(routes, server.Config{
		Store: openStore(t), DraftSecret: "ds",
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	h := &harness{url: srv.URL, app: app}

	// Draft mode: the cached page is fine, the draft render panics.
	if r, _ := h.get(t, "/draft"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /draft: %d", r.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	drafter := noRedirects(jar)
	if resp, err := drafter.Get(srv.URL + "/_gox/draft?token=ds&redirect=/draft"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	logs.errorLines(t)
	draftPanics.Store(true)

	tests := []struct {
		name     string
		do       func() (*http.Response, string)
		wantBody string
	}{
		{"dynamic page", func() (*http.Response, string) { return h.get(t, "/dynamic") }, "Something broke"},
		{"draft render", func() (*http.Response, string) {
			resp, err := drafter.Get(srv.URL + "/draft")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}, "Something broke"},
		{"action", func() (*http.Response, string) {
			return h.post(t, nil, "/form?/panic", srv.URL, "", "q=1")
		}, "Something broke"},
		{"422 render", func() (*http.Response, string) {
			return h.post(t, nil, "/form?/invalid", srv.URL, "", "q=1")
		}, "Something broke"},
		{"route handler", func() (*http.Response, string) { return h.get(t, "/api/boom") }, "500"},
	}
	for _, tt := range tests {
		resp, body := tt.do()
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s: %d %.200q, want 500 with %q", tt.name, resp.StatusCode, body, tt.wantBody)
		}
		if got := resp.Header.Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, got)
		}
		lines := logs.errorLines(t)
		if len(lines) != 1 || !hasStack(lines[0]) {
			t.Errorf("%s: logged %d error lines %v, want one with a stack", tt.name, len(lines), lines)
		}
	}
	if n := actionsRan.Load(); n != 1 {
		t.Errorf("panicking action ran %d times, want 1", n)
	}

	// Once the response is committed only the connection can say it broke.
	resp, err := http.Get(srv.URL + "/api/half")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil || errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("committed panic: read err %v, want the connection aborted", err)
	}
	if lines := logs.errorLines(t); len(lines) != 1 || !hasStack(lines[0]) {
		t.Errorf("committed panic: logged %v, want one line with a stack", lines)
	}
}
