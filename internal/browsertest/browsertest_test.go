package browsertest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/internal/browsertest"
)

// fakeT is a test that can fail without failing the real one: it records
// the failure, stops its goroutine as t.Fatal does, and runs its cleanups
// when finish is called.
type fakeT struct {
	testing.TB
	dir      string
	failed   bool
	cleanups []func()
}

func (f *fakeT) ArtifactDir() string { return f.dir }
func (f *fakeT) Failed() bool        { return f.failed }
func (f *fakeT) Cleanup(fn func())   { f.cleanups = append(f.cleanups, fn) }

func (f *fakeT) Fatal(args ...any) {
	f.failed = true
	f.TB.Log(args...)
	runtime.Goexit()
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	f.TB.Logf(format, args...)
	runtime.Goexit()
}

func (f *fakeT) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestScreenshotOnFailure(t *testing.T) {
	page := chromedp.Navigate(`data:text/html,<h1 id="title">Gophers</h1>`)
	fail := chromedp.Action[chromedp.Void](func(context.Context, *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, errors.New("step failed")
	})
	tests := []struct {
		name     string
		run      func(t testing.TB, ctx context.Context)
		wantShot bool
		timeout  time.Duration // how long the test may drive its browser; 0: the default
	}{
		{"a step fails", func(t testing.TB, ctx context.Context) { browsertest.Do(t, ctx, page, fail) }, true, 0},
		{"a script throws", func(t testing.TB, ctx context.Context) {
			browsertest.Do(t, ctx, page)
			browsertest.Eval(t, ctx, `(() => { throw new Error("broken") })()`)
		}, true, 0},
		{"the test's own check fails", func(t testing.TB, ctx context.Context) {
			browsertest.Do(t, ctx, page)
			if got := browsertest.Eval(t, ctx, `document.getElementById("title").textContent`); got != "Mice" {
				t.Fatalf("title %q, want Mice", got)
			}
		}, true, 0},
		// The deadline ends every step's context; the browser must outlive
		// it for the screenshot.
		{"the test runs out of time", func(t testing.TB, ctx context.Context) {
			browsertest.Do(t, ctx, page, chromedp.WaitVisible(chromedp.ID("missing")))
		}, true, time.Second},
		{"nothing fails", func(t testing.TB, ctx context.Context) {
			browsertest.Do(t, ctx, page)
			browsertest.Eval(t, ctx, `document.title`)
		}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.timeout > 0 {
				defer browsertest.SetTimeout(tt.timeout)()
			}
			ft := &fakeT{TB: t, dir: t.TempDir()}
			done := make(chan struct{})
			go func() {
				defer close(done)
				defer ft.finish()
				tt.run(ft, browsertest.Start(ft))
			}()
			<-done
			if ft.failed != tt.wantShot {
				t.Fatalf("failed = %v, want %v", ft.failed, tt.wantShot)
			}
			png, err := os.ReadFile(filepath.Join(ft.dir, "screenshot.png"))
			switch {
			case !tt.wantShot && err == nil:
				t.Fatal("a screenshot of a test that passed")
			case !tt.wantShot:
			case err != nil:
				t.Fatalf("no screenshot: %v", err)
			case !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")):
				t.Fatalf("screenshot.png is not a PNG: % x", png[:min(8, len(png))])
			}
		})
	}
}
