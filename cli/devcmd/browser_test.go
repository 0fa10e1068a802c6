package devcmd_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/cli/goxcli"
	"github.com/goxweb/gox/internal/browsertest"
	"github.com/goxweb/gox/internal/syncbuf"
)

// syncBuffer collects log lines written by other goroutines.
type syncBuffer struct{ syncbuf.Buffer }

// waitConnected waits until the page's reload script has its event stream
// open, so that the next save reaches it.
func waitConnected(t *testing.T, b context.Context) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		state := browsertest.Eval(t, b, `String(window.__goxDev && window.__goxDev.readyState)`)
		if state == "1" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reload script never connected (readyState %s)", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func replace(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserReloads: a page open in the browser reloads by itself after a
// template edit, shows the error page after a syntax error, and comes back
// once it is fixed; a stylesheet is swapped in without a reload, a broken
// script shows the error page, and stopping gox dev stops the app.
func TestBrowserReloads(t *testing.T) {
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPROXY", "off")
	dir := filepath.Join(t.TempDir(), "app")
	var out bytes.Buffer
	if code := goxcli.Main(context.Background(), []string{"new", dir}, nil, &out, &out); code != 0 {
		t.Fatalf("gox new: %s", out.String())
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	devOut := new(syncBuffer)
	go func() { done <- goxcli.Main(ctx, []string{"dev", "--dir", dir, "--port", port}, nil, devOut, devOut) }()
	var stop sync.Once
	stopDev := func() { stop.Do(func() { cancel(); <-done }) }
	t.Cleanup(func() {
		stopDev()
		if t.Failed() {
			t.Logf("gox dev said:\n%s", devOut.String())
		}
	})
	url := "http://127.0.0.1:" + port + "/"
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gox dev did not start: %s", devOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	b := browsertest.Start(t)
	browsertest.Do(t, b, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Welcome to gox")]`)))
	// Wait for the reload script's event stream to open, then mark the
	// window to tell a reload apart.
	waitConnected(t, b)
	browsertest.Eval(t, b, `window.goxMarker = "before"`)

	page := filepath.Join(dir, "routes", "page.templ")
	replace(t, page, "Welcome to gox", "Welcome to my shop")
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Welcome to my shop")]`)))
	if m := browsertest.Eval(t, b, `String(window.goxMarker)`); m != "undefined" {
		t.Fatalf("marker %q: the page did not reload", m)
	}

	waitConnected(t, b)
	replace(t, page, "<h1>Welcome", "<h1>{ broken Welcome")
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Build failed")]`)))
	msg, err := chromedp.Run(b, chromedp.Text(chromedp.ID("gox-error")))
	if err != nil || !strings.Contains(msg, "routes/page.templ") {
		t.Fatalf("error page says %q (%v), want the file", msg, err)
	}

	replace(t, page, "<h1>{ broken Welcome", "<h1>Welcome")
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Welcome to my shop")]`)))

	// A stylesheet edit is swapped into the open page, which does not reload.
	waitConnected(t, b)
	browsertest.Eval(t, b, `window.goxMarker = "kept"`)
	replace(t, filepath.Join(dir, "assets", "app.css"), "line-height: 1.5;", "line-height: 1.5; --swapped: yes;")
	for deadline := time.Now().Add(30 * time.Second); ; {
		v := browsertest.Eval(t, b, `getComputedStyle(document.body).getPropertyValue("--swapped").trim()`)
		if v == "yes" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the edited stylesheet never reached the page")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if m := browsertest.Eval(t, b, `String(window.goxMarker)`); m != "kept" {
		t.Fatalf("marker %q: the page reloaded for a stylesheet", m)
	}

	// A script that does not compile is the error page too.
	waitConnected(t, b)
	script := filepath.Join(dir, "assets", "app.ts")
	replace(t, script, "const greeting: string =", "const greeting: string = (")
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Build failed")]`)))
	if msg, err := chromedp.Run(b, chromedp.Text(chromedp.ID("gox-error"))); err != nil || !strings.Contains(msg, "app.ts:2:") {
		t.Fatalf("error page says %q (%v), want app.ts:2:", msg, err)
	}
	replace(t, script, "const greeting: string = (", "const greeting: string =")
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Welcome to my shop")]`)))

	// Stopping gox dev stops the app it started.
	app := appURL.FindStringSubmatch(devOut.String())
	if app == nil {
		t.Fatal("the app's address is not in gox dev's log")
	}
	stopDev()
	if c, err := net.DialTimeout("tcp", app[1], time.Second); err == nil {
		c.Close()
		t.Fatalf("the app at %s still listens after gox dev stopped", app[1])
	}
}

// appURL finds the app's private address in its start log line.
var appURL = regexp.MustCompile(`msg="gox listening" url=http://(127\.0\.0\.1:\d+)`)
