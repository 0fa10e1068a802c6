package devproxy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/cli/devproxy"
)

func upstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body><h1>hi</h1></body></html>")
		case "/bare":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>no body tag</p>")
		case "/data.json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"body":"</body>"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func front(t *testing.T, target string) (*devproxy.Proxy, string) {
	u, _ := url.Parse(target)
	p := devproxy.New(u)
	p.RestartWait = 3 * time.Second
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestInjection(t *testing.T) {
	t.Parallel()
	_, base := front(t, upstream(t).URL)
	tests := []struct {
		path, want string
	}{
		{"/page", `<h1>hi</h1><script src="/_gox/dev/reload.js?v=0" defer></script></body>`},
		{"/bare", `<p>no body tag</p><script src="/_gox/dev/reload.js?v=0" defer></script>`},
		{"/data.json", `{"body":"</body>"}`},
	}
	for _, tt := range tests {
		resp, body := get(t, base+tt.path)
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s: body %q, want it to contain %q", tt.path, body, tt.want)
		}
		if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length %s, body %d bytes", tt.path, cl, len(body))
		}
	}
	if resp, body := get(t, base+devproxy.ScriptPath); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(body, "EventSource") {
		t.Errorf("reload.js: %s", resp.Header.Get("Content-Type"))
	}
}

func TestEventsAndErrorPage(t *testing.T) {
	t.Parallel()
	p, base := front(t, upstream(t).URL)
	resp, err := http.Get(base + devproxy.EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	deadline := time.Now().Add(5 * time.Second)
	for p.Clients() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	next := func() string {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				data, err := rd.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				return strings.TrimSpace(ev) + " " + strings.TrimSpace(strings.TrimPrefix(data, "data: "))
			}
		}
	}
	p.Reload()
	p.ReloadCSS()
	p.ShowError("routes/page.templ:3:1: <script>alert(1)</script> unexpected")
	for _, want := range []string{"hello 0", "reload 1", "css 1", "reload 2"} {
		if got := next(); got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	}
	r, body := get(t, base+"/page")
	if r.StatusCode != 500 || !strings.Contains(body, "routes/page.templ:3:1: &lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>alert") {
		t.Fatalf("error page: %d\n%s", r.StatusCode, body)
	}
	if _, body := get(t, base+"/data.json"); !strings.Contains(body, `"body"`) {
		t.Fatal("non-page request blocked by the error page")
	}
	p.ClearError()
	if got := next(); got != "reload 3" {
		t.Fatalf("after ClearError: %q, want reload", got)
	}
	// A page served now carries generation 3; a stream opened now says
	// 3 too, so a browser that missed the events above still reloads.
	if r, body := get(t, base+"/page"); r.StatusCode != 200 || !strings.Contains(body, "reload.js?v=3") {
		t.Fatalf("after ClearError: %d %s", r.StatusCode, body)
	}
	resp2, err := http.Get(base + devproxy.EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	rd = bufio.NewReader(resp2.Body)
	if got := next(); got != "hello 3" {
		t.Fatalf("new stream: %q, want hello 3", got)
	}
}

func TestWaitsForRestartingApp(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the app is "restarting"
	_, base := front(t, "http://"+addr)
	go func() {
		time.Sleep(300 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "back") })}
		t.Cleanup(func() { srv.Close() })
		srv.Serve(ln)
	}()
	if r, body := get(t, base+"/x"); r.StatusCode != 200 || body != "back" {
		t.Fatalf("got %d %q, want the restarted app's answer", r.StatusCode, body)
	}
}

func TestAppDown(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p, base := front(t, "http://"+addr)
	p.RestartWait = 200 * time.Millisecond
	if r, body := get(t, base+"/x"); r.StatusCode != 502 || !strings.Contains(body, "The app is not running") {
		t.Fatalf("app down: %d %s", r.StatusCode, body)
	}
}

// TestAppDropsRequest: an app that takes the request and closes the
// connection without an answer is running; the page says it dropped the
// request, not that it is not running.
func TestAppDropsRequest(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	t.Cleanup(app.Close)
	_, base := front(t, app.URL)
	r, body := get(t, base+"/x")
	if r.StatusCode != 502 || !strings.Contains(body, "The app dropped the request") || strings.Contains(body, "not running") {
		t.Fatalf("app dropped the request: %d %s", r.StatusCode, body)
	}
}
