package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/internal/browsertest"
)

func TestBrowserAddToCart(t *testing.T) {
	base := serveStore(t)

	t.Run("javascript on: background submit, page swapped", func(t *testing.T) {
		ctx := browsertest.Start(t)
		browsertest.Do(t, ctx,
			chromedp.Navigate(base+"/products/3"),
			chromedp.WaitVisible(chromedp.ID("add")),
		)
		// A full navigation would lose this.
		browsertest.Eval(t, ctx, `window.goxMarker = "still here"`)
		browsertest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS(`input[name="quantity"]`), "2"),
			chromedp.Click(chromedp.ID("add")),
			chromedp.WaitVisible(chromedp.Search(`//p[@id="stock" and contains(., "38 in stock")]`)),
		)
		marker, path := browsertest.Eval(t, ctx, `window.goxMarker`), browsertest.Eval(t, ctx, `location.pathname`)
		if marker != "still here" || path != "/products/3" {
			t.Fatalf("marker %q path %q: want the page swapped in place", marker, path)
		}
	})

	t.Run("javascript off: post, redirect, get", func(t *testing.T) {
		ctx := browsertest.Start(t)
		browsertest.Do(t, ctx, chromedp.Navigate("about:blank"))
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx,
			chromedp.Navigate(base+"/products/4"),
			chromedp.WaitVisible(chromedp.ID("add")),
		)
		browsertest.Eval(t, ctx, `window.goxMarker = "before"`)
		browsertest.Do(t, ctx,
			chromedp.Click(chromedp.ID("add")),
			chromedp.WaitVisible(chromedp.Search(`//p[@id="stock" and contains(., "99 in stock")]`)),
		)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || !strings.HasSuffix(loc, "/products/4") {
			t.Fatalf("location %q (%v), want /products/4", loc, err)
		}
		// A full navigation (POST, 303, GET) replaced the window's globals.
		if m := browsertest.Eval(t, ctx, `String(window.goxMarker)`); m != "undefined" {
			t.Fatalf("marker %q survived: the page was swapped by script, not navigated", m)
		}
	})
}
