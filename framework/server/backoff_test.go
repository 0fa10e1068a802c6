package server_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/server"
)

// TestFailingPageBacksOffQuietly: a page that never rendered well answers
// its error page on every request while its retry is not due, and the
// failure is logged once, not once per request.
func TestFailingPageBacksOffQuietly(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := newHarness(t, server.Config{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Engine: isr.Options{RetryBase: time.Hour},
	})
	h.fix.SetFail(testapp.ErrBroken)
	for i := range 20 {
		r, b := h.get(t, "/fail")
		if r.StatusCode != 500 || !strings.Contains(b, "Something broke") || r.Header.Get("X-Gox-Cache") != "ERROR" {
			t.Fatalf("request %d: %d %s %q; want 500 with the error page, uncached", i, r.StatusCode, r.Header.Get("X-Gox-Cache"), b)
		}
	}
	if got := keys(t, h.store); len(got) != 0 {
		t.Fatalf("a failed render stored %v", got)
	}
	out := logs.String()
	for _, msg := range []string{`msg="isr render failed"`, `msg="render failed"`} {
		if got := strings.Count(out, msg); got != 1 {
			t.Errorf("%s logged %d times for 20 requests, want 1:\n%s", msg, got, out)
		}
	}
}
