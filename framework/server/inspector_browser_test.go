package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/browsertest"
)

// The cache inspector in a real browser, behind the metrics token: a
// route's numbers change with traffic, and the revalidate button makes the
// page STALE, then fresh once a visitor's request has regenerated it. A
// screenshot of the inspector is kept as the test's artifact.
func TestBrowserInspector(t *testing.T) {
	t.Parallel()
	// No eager regeneration: the page stays STALE until it is requested.
	h := newHarness(t, server.Config{MetricsToken: "metrics-secret", Engine: isr.Options{EagerBudget: -1}})
	for range 3 {
		sendPlain(t, "GET", h.url+"/products/1")
	}
	h.app.Engine().WaitWrites()

	ctx := browsertest.Start(t)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": "Bearer metrics-secret"},
	}); err != nil {
		t.Fatal(err)
	}
	reads := func() int {
		t.Helper()
		n, err := strconv.Atoi(browsertest.Eval(t, ctx, `document.querySelector('tr[data-route="/products/{id}"] .reads').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	browsertest.Do(t, ctx, chromedp.Navigate(h.url+"/_gox/cache"), chromedp.WaitVisible(chromedp.ID("routes")))
	if n := reads(); n != 3 {
		t.Fatalf("reads of /products/{id}: %d, want 3", n)
	}
	for range 4 {
		sendPlain(t, "GET", h.url+"/products/1")
	}
	browsertest.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("routes")))
	if n := reads(); n != 7 {
		t.Fatalf("reads after more traffic: %d, want 7", n)
	}

	state := func() string { return browsertest.Eval(t, ctx, `document.getElementById("state").textContent`) }
	browsertest.Do(t, ctx,
		chromedp.Click(chromedp.Search(`//tr[@data-route="/products/{id}"]//a`)),
		chromedp.WaitVisible(chromedp.ID("entries")),
		chromedp.Click(chromedp.Search(`//tr[@data-key="/products/1"]//a`)),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	if s := state(); s != "FRESH" {
		t.Fatalf("entry state %q, want FRESH", s)
	}
	// The first tag of the page is product-1: revalidate it.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.ID("tag-0-revalidate")), chromedp.WaitVisible(chromedp.Search(`//span[@id="state" and text()="STALE"]`)))
	if loc := browsertest.Eval(t, ctx, `location.pathname + location.search`); loc != "/_gox/cache/entry?key=%2Fproducts%2F1" {
		t.Fatalf("after the form: %s, want the entry's page", loc)
	}
	if resp, _ := sendPlain(t, "GET", h.url+"/products/1"); resp.Header.Get("X-Gox-Cache") != "STALE" {
		t.Fatalf("visitor after revalidation: %s, want STALE", resp.Header.Get("X-Gox-Cache"))
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		browsertest.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("state")))
		if state() == "FRESH" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry still %s 10 s after a visitor's request", state())
		}
		time.Sleep(50 * time.Millisecond)
	}

	browsertest.Do(t, ctx, chromedp.Navigate(h.url+"/_gox/cache"), chromedp.WaitVisible(chromedp.ID("routes")))
	if !strings.Contains(browsertest.Eval(t, ctx, `document.body.textContent`), "/products/{id}") {
		t.Fatal("the overview lost the route")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.ArtifactDir(), "inspector.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
