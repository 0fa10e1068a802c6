package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/examples/store/shop"
	"github.com/goxweb/gox/framework/assets/bundle"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/server"
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

// serveBundled serves the store as gox build ships it: assets/ bundled by
// esbuild for production, the bundle handed to the route table as the
// binary's embedded copy would be.
func serveBundled(t *testing.T) string {
	t.Helper()
	b, err := bundle.Build(bundle.Options{Dir: "assets", Production: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := bundle.Write(b, dir); err != nil {
		t.Fatal(err)
	}
	db, err := shop.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Restock(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	routes := routeTable
	routes.Assets = os.DirFS(dir)
	app, err := server.New(routes, server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close(); st.Close() })
	return srv.URL
}

// TestBrowserWidgetSurvivesBackgroundSubmit: the quantity stepper of
// assets/app.ts shows and works at load, and still after a background
// submit has replaced the page's body (docs/assets.md, "Widgets that
// survive a background submit").
func TestBrowserWidgetSurvivesBackgroundSubmit(t *testing.T) {
	base := serveBundled(t)
	ctx := browsertest.Start(t)
	value := func() string {
		return browsertest.Eval(t, ctx, `document.querySelector('input[name="quantity"]').value`)
	}
	browsertest.Do(t, ctx,
		chromedp.Navigate(base+"/products/5"),
		chromedp.WaitVisible(`button[data-step="up"]`),
		chromedp.Click(`button[data-step="up"]`),
		chromedp.Click(`button[data-step="up"]`),
	)
	if got := value(); got != "3" {
		t.Fatalf("after two clicks on +: quantity %q, want 3", got)
	}
	browsertest.Do(t, ctx, chromedp.Click(`button[data-step="down"]`))
	// Mark the body, so that what follows waits for the new one.
	browsertest.Eval(t, ctx, `document.body.dataset.beforeSubmit = "yes"; "marked"`)
	browsertest.Do(t, ctx,
		chromedp.Click(chromedp.ID("add")),
		chromedp.WaitVisible(chromedp.Search(`//body[not(@data-before-submit)]//p[@id="stock"]`)),
	)
	// The body is new: its stepper was set up again on gox:swap.
	browsertest.Do(t, ctx,
		chromedp.WaitVisible(chromedp.Search(`//body[not(@data-before-submit)]//button[@data-step="up"]`)),
		chromedp.Click(chromedp.Search(`//body[not(@data-before-submit)]//button[@data-step="up"]`)),
	)
	if got := value(); got != "2" {
		t.Fatalf("after the submit and one click on +: quantity %q, want 2", got)
	}
	if path := browsertest.Eval(t, ctx, `location.pathname`); path != "/products/5" {
		t.Fatalf("location %q, want /products/5 (a background submit)", path)
	}
}
