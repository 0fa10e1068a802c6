// Package browsertest drives Debian's headless Chromium for gox's browser
// tests (make test installs it when missing).
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
	"strings"
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

// Start starts a headless chromium for the test and returns its context;
// it stops with the test. The flags keep it off the network.
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
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// Do runs steps, writing a screenshot next to the test's output if they
// fail.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if png, serr := chromedp.Run(shot, chromedp.FullScreenshot(80)); serr == nil {
			path := filepath.Join(os.TempDir(), "gox-"+strings.ReplaceAll(t.Name(), "/", "-")+".png")
			if os.WriteFile(path, png, 0o644) == nil {
				t.Logf("screenshot: %s", path)
			}
		}
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
