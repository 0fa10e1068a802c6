package isr_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/internal/syncbuf"
)

// logBuffer collects log lines written by other goroutines.
type logBuffer struct{ syncbuf.Buffer }

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// hammer sends n requests for j from workers goroutines and returns the
// errors Serve gave.
func hammer(e *isr.Engine, j isr.Job, n, workers int) []error {
	var mu sync.Mutex
	var errs []error
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				_, _, err := e.Serve(context.Background(), j)
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// TestNeverGoodFailureBacksOff: a page that has never rendered well is
// rendered once per try of its backoff, not once per request, and logs
// once per try.
func TestNeverGoodFailureBacksOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    func() (isr.Result, error)
		wantErr string
		wantLog string // the one line of the failed try
	}{
		{"error", func() (isr.Result, error) { return isr.Result{}, errors.New("upstream down") }, "upstream down", `msg="isr render failed"`},
		{"panic", func() (isr.Result, error) { panic("render exploded") }, "render exploded", `msg="isr render panicked"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			st := openStore(t, "")
			e := newEngine(t, st, isr.Options{RetryBase: time.Hour, Logger: logs.logger()})
			p := &page{body: "good", fail: tt.fail}
			j := job(e, "/never", p)

			errs := hammer(e, j, 1000, 10)
			if got := p.renders.Load(); got != 1 {
				t.Fatalf("renders for 1,000 requests = %d, want 1", got)
			}
			backoffs := 0
			for i, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("request %d: err = %v, want the failure %q", i, err, tt.wantErr)
				}
				if errors.Is(err, isr.ErrBackoff) {
					backoffs++
				}
			}
			// Those that shared the one render got its error; the rest the backoff.
			if backoffs < len(errs)-10 {
				t.Fatalf("ErrBackoff for %d of %d requests, want all but the render's sharers", backoffs, len(errs))
			}
			out := logs.String()
			if got := strings.Count(out, "\n"); got != 1 || !strings.Contains(out, tt.wantLog) {
				t.Fatalf("logged %d lines, want one %s:\n%s", got, tt.wantLog, out)
			}
			if tt.name == "panic" && strings.Count(out, "stack=") != 1 {
				t.Fatalf("want the stack once:\n%s", out)
			}
			if _, err := st.Get(context.Background(), "/never"); !errors.Is(err, cache.ErrNotFound) {
				t.Fatalf("store after failures: err = %v, want ErrNotFound", err)
			}

			// The retry comes due: one more try, then the backoff again.
			isr.RetryNow(e, "/never")
			hammer(e, j, 100, 10)
			if got := p.renders.Load(); got != 2 {
				t.Fatalf("renders after the retry came due = %d, want 2", got)
			}
			if got := strings.Count(logs.String(), tt.wantLog); got != 2 {
				t.Fatalf("failure logged %d times for 2 tries, want 2", got)
			}

			// Once it renders, it is a page like any other.
			p.set(func(p *page) { p.fail = nil })
			isr.RetryNow(e, "/never")
			if b, s := serve(t, e, j); b != "good /never" || s != isr.Miss {
				t.Fatalf("after the fix: %q %s, want the page MISS", b, s)
			}
			if b, s := serve(t, e, j); b != "good /never" || s != isr.Hit {
				t.Fatalf("next request: %q %s, want the page HIT", b, s)
			}
		})
	}
}

// TestHungRenderHoldsItsSlotThenBacksOff: the requests that arrive while a
// render hangs share it until its timeout, and no new render starts until
// the backoff has passed.
func TestHungRenderHoldsItsSlotThenBacksOff(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	e := newEngine(t, openStore(t, ""), isr.Options{
		RetryBase: time.Hour, RenderTimeout: 100 * time.Millisecond, Logger: logs.logger(),
	})
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	// The render ignores its context: only the engine's timeout ends it.
	p := &page{fail: func() (isr.Result, error) { <-hang; return isr.Result{}, nil }}
	j := job(e, "/hung", p)

	const n = 10
	errs := make(chan error, n)
	first := make(chan struct{})
	go func() {
		_, _, err := e.Serve(context.Background(), j)
		errs <- err
		close(first)
	}()
	eventually(t, "the render started", func() bool { return p.renders.Load() == 1 })
	for range n - 1 {
		go func() { _, _, err := e.Serve(context.Background(), j); errs <- err }()
	}
	for range n {
		if err := <-errs; !errors.Is(err, isr.ErrTimeout) {
			t.Fatalf("request during the hang: err = %v, want ErrTimeout", err)
		}
	}
	<-first
	for _, err := range hammer(e, j, 200, 10) {
		if !errors.Is(err, isr.ErrBackoff) || !errors.Is(err, isr.ErrTimeout) {
			t.Fatalf("request after the timeout: err = %v, want ErrBackoff for the timeout", err)
		}
	}
	if got := p.renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1 until the backoff passes", got)
	}
	isr.RetryNow(e, "/hung")
	if _, _, err := e.Serve(context.Background(), j); !errors.Is(err, isr.ErrTimeout) || errors.Is(err, isr.ErrBackoff) {
		t.Fatalf("the retry: err = %v, want a new render's timeout", err)
	}
	if got := p.renders.Load(); got != 2 {
		t.Fatalf("renders after the backoff = %d, want 2", got)
	}
	if got := strings.Count(logs.String(), `msg="isr render failed"`); got != 2 {
		t.Fatalf("failure logged %d times for 2 tries, want 2:\n%s", got, logs.String())
	}
}
