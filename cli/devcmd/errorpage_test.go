package devcmd_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/goxweb/gox/cli/goxcli"
	"github.com/goxweb/gox/internal/browsertest"
)

// Two pages of the app under gox dev that fail: one whose Load returns an
// error with HTML in its message, one whose Load panics.
var failingPages = map[string]string{
	"routes/fail/page.go": `package fail

import (
	"errors"

	gox "github.com/goxweb/gox/framework"
)

func Load(c *gox.Ctx) (string, error) {
	return "", errors.New("stock service said <img id=injected src=x>")
}
`,
	"routes/fail/page.templ": "package fail\n\ntempl Page(s string) {\n\t<p>{ s }</p>\n}\n",
	"routes/boom/page.go": `package boom

import gox "github.com/goxweb/gox/framework"

func Load(c *gox.Ctx) (string, error) {
	var stock map[string]int
	stock[c.Param("sku")]++
	return "fixed", nil
}
`,
	"routes/boom/page.templ": "package boom\n\ntempl Page(s string) {\n\t<p id=\"boom\">{ s }</p>\n}\n",
}

// TestBrowserErrorPages: under gox dev, a Load that fails and a Load that
// panics show in the browser as the development error page: the page's
// file:line first, the message (its HTML shown as text, never run), and
// the stack; fixing the file reloads the page by itself.
func TestBrowserErrorPages(t *testing.T) {
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPROXY", "off")
	dir := filepath.Join(t.TempDir(), "app")
	var out bytes.Buffer
	if code := goxcli.Main(context.Background(), []string{"new", dir}, nil, &out, &out); code != 0 {
		t.Fatalf("gox new: %s", out.String())
	}
	for name, src := range failingPages {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	devOut := new(syncBuffer)
	go func() { done <- goxcli.Main(ctx, []string{"dev", "--dir", dir, "--port", port}, nil, devOut, devOut) }()
	var stop sync.Once
	t.Cleanup(func() {
		stop.Do(func() { cancel(); <-done })
		if t.Failed() {
			t.Logf("gox dev said:\n%s", devOut.String())
		}
	})
	base := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gox dev did not start: %s", devOut.String())
		}
	}

	b := browsertest.Start(t)
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return s
	}
	tests := []struct {
		path, where, message string
		stack                []string
	}{
		{"/fail", "routes/fail/page.go:9", "stock service said <img id=injected src=x>",
			[]string{"/routes/fail.Load\n", "routes/fail/page.go:9", "server.(*App).renderPage"}},
		{"/boom", "routes/boom/page.go:7", "panic: assignment to entry in nil map",
			[]string{"/routes/boom.Load\n", "routes/boom/page.go:7"}},
	}
	for _, tt := range tests {
		browsertest.Do(t, b, chromedp.Navigate(base+tt.path),
			chromedp.WaitVisible(`//h1[contains(., "500 Internal Server Error")]`))
		if got := text("gox-error-where"); got != tt.where {
			t.Errorf("%s: the page names %q first, want %q", tt.path, got, tt.where)
		}
		if got := text("gox-error-message"); got != tt.message {
			t.Errorf("%s: message %q, want %q", tt.path, got, tt.message)
		}
		stack := text("gox-error-stack")
		for _, w := range tt.stack {
			if !strings.Contains(stack, w) {
				t.Errorf("%s: the stack lacks %q:\n%s", tt.path, w, stack)
			}
		}
		if strings.Index(stack, tt.where) > strings.Index(stack, "framework/server") {
			t.Errorf("%s: the stack does not start in the page's code:\n%s", tt.path, stack)
		}
		if got := browsertest.Eval(t, b, `String(document.getElementById("injected"))`); got != "null" {
			t.Errorf("%s: the message's HTML made an element: %s", tt.path, got)
		}
	}

	// The error page reloads itself once the file is fixed.
	waitConnected(t, b)
	replace(t, filepath.Join(dir, "routes", "boom", "page.go"), "stock[c.Param(\"sku\")]++", "_ = stock")
	browsertest.Do(t, b, chromedp.WaitVisible(`//p[@id="boom" and contains(., "fixed")]`))
}
