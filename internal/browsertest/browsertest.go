// Package browsertest drives Debian's headless Chromium for gox's browser
// tests (make test installs it when missing).
//
// When a test that started a browser fails, whether in Do, in Eval or in
// the test's own checks, a screenshot of the page is written to
// screenshot.png in the test's artifact directory. go test deletes that
// directory after the test unless it runs with -artifacts, which keeps it
// under -outputdir (an existing folder; default: the directory go test runs
// in), and the failure's log names the file:
//
//	mkdir -p /tmp/gox-artifacts
//	go test -artifacts -outputdir /tmp/gox-artifacts -run Browser ./examples/store
//
// Example:
//
//	ctx := browsertest.Start(t)
//	browsertest.Do(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("add")))
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser.
func chromium(t testing.TB) string {
	for _, p := range []string{os.Getenv("GOX_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("no chromium found: run make test (it installs Debian's chromium), or set GOX_CHROMIUM")
	return ""
}

// timeout bounds how long a test drives its browser.
var timeout = 120 * time.Second

// Start starts a headless chromium for the test and returns its context;
// it stops with the test, after a screenshot if the test failed. The flags
// keep it off the network.
func Start(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first Run allocates the browser and its tab and ties them to its
	// context: bctx, so that a step timing out below leaves both alive for
	// the screenshot.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel3)
	// Registered last, so it runs first, while the browser still runs; on
	// the browser's own context, which outlives a step that timed out.
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, bctx)
		}
	})
	return ctx
}

// screenshot writes the page of ctx to screenshot.png in the test's
// artifact directory and logs where.
func screenshot(t testing.TB, ctx context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), "screenshot.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// Do runs steps and fails the test if one fails (Start then takes a
// screenshot).
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression to a string.
func Eval(t testing.TB, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
