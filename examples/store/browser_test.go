package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium (make test installs it when missing).
func chromium(t *testing.T) string {
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

// browser starts a headless chromium for the test.
func browser(t *testing.T) context.Context {
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
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// check runs steps, writing a screenshot next to the test's output if they
// fail.
func check(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
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

func eval(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func TestBrowserAddToCart(t *testing.T) {
	base := serveStore(t)

	t.Run("javascript on: background submit, page swapped", func(t *testing.T) {
		ctx := browser(t)
		check(t, ctx,
			chromedp.Navigate(base+"/products/3"),
			chromedp.WaitVisible(chromedp.ID("add")),
		)
		// A full navigation would lose this.
		eval(t, ctx, `window.goxMarker = "still here"`)
		check(t, ctx,
			chromedp.SetValue(chromedp.CSS(`input[name="quantity"]`), "2"),
			chromedp.Click(chromedp.ID("add")),
			chromedp.WaitVisible(chromedp.Search(`//p[@id="stock" and contains(., "38 in stock")]`)),
		)
		marker, path := eval(t, ctx, `window.goxMarker`), eval(t, ctx, `location.pathname`)
		if marker != "still here" || path != "/products/3" {
			t.Fatalf("marker %q path %q: want the page swapped in place", marker, path)
		}
	})

	t.Run("javascript off: post, redirect, get", func(t *testing.T) {
		ctx := browser(t)
		check(t, ctx, chromedp.Navigate("about:blank"))
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		check(t, ctx,
			chromedp.Navigate(base+"/products/4"),
			chromedp.WaitVisible(chromedp.ID("add")),
		)
		eval(t, ctx, `window.goxMarker = "before"`)
		check(t, ctx,
			chromedp.Click(chromedp.ID("add")),
			chromedp.WaitVisible(chromedp.Search(`//p[@id="stock" and contains(., "99 in stock")]`)),
		)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || !strings.HasSuffix(loc, "/products/4") {
			t.Fatalf("location %q (%v), want /products/4", loc, err)
		}
		// A full navigation (POST, 303, GET) replaced the window's globals.
		if m := eval(t, ctx, `String(window.goxMarker)`); m != "undefined" {
			t.Fatalf("marker %q survived: the page was swapped by script, not navigated", m)
		}
	})
}
