package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// post sends an action form from the given Origin ("" for none).
func (h *harness) post(t *testing.T, client *http.Client, path, origin, ctype, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype == "" {
		ctype = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ctype)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for _, hl := range header {
		k, v, _ := strings.Cut(hl, ": ")
		req.Header.Set(k, v)
	}
	if client == nil {
		client = noRedirects(nil)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestActionReadYourWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	h.get(t, "/products/1") // cached with stock 10
	jar, _ := cookiejar.New(nil)
	buyer := noRedirects(jar)

	// Hold the regeneration so the test sees who waits and who does not.
	gate := make(chan struct{})
	h.fix.SetGate(gate)
	resp, _ := h.post(t, buyer, "/products/1?/buy", h.url, "", "quantity=1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/products/1" {
		t.Fatalf("action: %d %q, want 303 to /products/1", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := resp.Header.Get("Cache-Control"); got != "private, no-store" {
		t.Fatalf("action Cache-Control = %q", got)
	}

	// Another visitor gets the old page at once, while the render is held.
	r2, b2 := h.get(t, "/products/1")
	if r2.Header.Get("X-Gox-Cache") != "STALE" || !strings.Contains(b2, `<p id="stock">10</p>`) {
		t.Fatalf("other visitor: %s, want STALE with stock 10", r2.Header.Get("X-Gox-Cache"))
	}

	// The buyer's redirected GET waits for the fresh render.
	done := make(chan string)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, h.url+"/products/1", nil)
		resp, err := buyer.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- resp.Header.Get("X-Gox-Cache") + " " + string(b)
	}()
	select {
	case got := <-done:
		t.Fatalf("buyer did not wait for the fresh page: %.80s", got)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if got := <-done; !strings.Contains(got, `<p id="stock">9</p>`) {
		t.Fatalf("buyer sees %.200s, want stock 9", got)
	}
	// And then everyone does, from the cache.
	r3, b3 := h.get(t, "/products/1")
	if r3.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b3, `<p id="stock">9</p>`) {
		t.Fatalf("after regeneration: %s", r3.Header.Get("X-Gox-Cache"))
	}
}

func TestActionValidationRerenders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	resp, body := h.post(t, nil, "/products/2?/buy", h.url, "", "quantity=99")
	if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("X-Gox-Cache") != "ACTION" {
		t.Fatalf("invalid form: %d %s, want 422 ACTION", resp.StatusCode, resp.Header.Get("X-Gox-Cache"))
	}
	if !strings.Contains(body, `<p id="error">not enough stock</p>`) || !strings.Contains(body, `value="99"`) {
		t.Fatalf("422 page misses the error or the submitted value:\n%s", body)
	}
	if resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("422 Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	// The cached page never shows one visitor's errors.
	if _, b := h.get(t, "/products/2"); strings.Contains(b, "not enough stock") || !strings.Contains(b, `value="1"`) {
		t.Fatalf("cached page shows a submission:\n%s", b)
	}
}

func TestActionRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	big := "quantity=1&pad=" + strings.Repeat("x", 11<<20)
	tests := []struct {
		name, path, origin, ctype, body string
		header                          []string
		want                            int
	}{
		{"foreign origin", "/products/1?/buy", "https://evil.test", "", "quantity=1", nil, 403},
		{"null origin", "/products/1?/buy", "null", "", "quantity=1", nil, 403},
		{"malformed origin", "/products/1?/buy", "http://a b", "", "quantity=1", nil, 403},
		{"no origin, no fetch metadata", "/products/1?/buy", "", "", "quantity=1", nil, 403},
		{"cross-site fetch", "/products/1?/buy", "", "", "quantity=1", []string{"Sec-Fetch-Site: cross-site"}, 403},
		{"spoofed X-Forwarded-Host", "/products/1?/buy", "https://evil.test", "", "quantity=1", []string{"X-Forwarded-Host: evil.test", "X-Forwarded-Proto: https"}, 403},
		{"oversized body", "/products/1?/buy", "SELF", "", big, nil, 413},
		{"malformed multipart", "/products/1?/buy", "SELF", "multipart/form-data; boundary=zz", "--zz\r\nbroken", nil, 400},
		{"malformed urlencoded", "/products/1?/buy", "SELF", "", "quantity=%zz", nil, 400},
		{"not a form", "/products/1?/buy", "SELF", "application/json", `{"quantity":1}`, nil, 415},
		{"unknown action", "/products/1?/nope", "SELF", "", "quantity=1", nil, 404},
		{"bad action name", "/products/1?/Buy!", "SELF", "", "quantity=1", nil, 404},
		{"no action", "/products/1", "SELF", "", "quantity=1", nil, 405},
		{"page without actions", "/request?/buy", "SELF", "", "quantity=1", nil, 404},
		{"unknown page", "/nope?/buy", "SELF", "", "quantity=1", nil, 404},
		{"non-canonical path", "/products/1/?/buy", "SELF", "", "quantity=1", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := strings.ReplaceAll(tt.origin, "SELF", h.url)
			resp, _ := h.post(t, nil, tt.path, origin, tt.ctype, tt.body, tt.header...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	if n := h.fix.Actions.Load(); n != 0 {
		t.Fatalf("%d refused actions ran", n)
	}
	if got := h.fix.Product("1").Stock; got != 10 {
		t.Fatalf("stock = %d after refused actions, want 10", got)
	}
	// Neither a GET with the action query nor a method-override header runs an action.
	h.get(t, "/products/1?/buy")
	h.get(t, "/products/1?/buy", "X-HTTP-Method-Override: POST")
	if n := h.fix.Actions.Load(); n != 0 {
		t.Fatalf("a GET ran %d actions", n)
	}
	// Accepted with Sec-Fetch-Site: same-origin and no Origin.
	if resp, _ := h.post(t, nil, "/products/1?/buy", "", "", "quantity=1", "Sec-Fetch-Site: same-origin"); resp.StatusCode != 303 {
		t.Fatalf("same-origin fetch: %d, want 303", resp.StatusCode)
	}
	// An action that fails answers with the error page, not a 303.
	if resp, _ := h.post(t, nil, "/products/1?/boom", h.url, "", ""); resp.StatusCode != 500 {
		t.Fatalf("failing action: %d, want 500", resp.StatusCode)
	}
}

func TestActionRedirectTarget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	resp, _ := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1&next="+url.QueryEscape("/thanks"))
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/thanks" {
		t.Fatalf("got %d %q, want 303 /thanks", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestDraftMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{DraftSecret: "ds"})
	h.get(t, "/products/1")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if resp, _ := c.Get(h.url + "/_gox/draft?token=wrong&redirect=/products/1"); resp.StatusCode != 401 {
		t.Fatalf("wrong draft token: %d", resp.StatusCode)
	}
	h.fix.SetProduct("1", testapp.Product{Name: "Draft gopher", Stock: 1})
	resp, err := c.Get(h.url + "/_gox/draft?token=ds&redirect=/products/1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("X-Gox-Cache") != "BYPASS" || !strings.Contains(string(b), "Draft gopher") || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("draft page: %s %q", resp.Header.Get("X-Gox-Cache"), resp.Header.Get("Cache-Control"))
	}
	// Everyone else still gets the cached page.
	if r, b := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" || strings.Contains(b, "Draft gopher") {
		t.Fatal("draft render leaked into the cache")
	}
	resp, _ = c.Get(h.url + "/_gox/draft/disable?redirect=/products/1")
	resp.Body.Close()
	if resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("after disable: %s, want HIT", resp.Header.Get("X-Gox-Cache"))
	}
	if r, _ := h.get(t, "/_gox/draft?token=ds"); r.StatusCode != 307 {
		t.Fatalf("draft enable without redirect: %d", r.StatusCode)
	}
	off := newHarness(t, server.Config{})
	if r, _ := off.get(t, "/_gox/draft?token=ds"); r.StatusCode != 404 {
		t.Fatalf("draft without a secret: %d, want 404", r.StatusCode)
	}
}

func TestActionOriginBehindProxy(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	other := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	forwarded := []string{"X-Forwarded-Host: shop.example", "X-Forwarded-Proto: https"}
	tests := []struct {
		name   string
		cfg    server.Config
		origin string
		header []string
		want   int
	}{
		{"forwarded host from a trusted peer", server.Config{TrustedProxies: loopback}, "https://shop.example", forwarded, 303},
		{"forwarded host, nothing trusted", server.Config{}, "https://shop.example", forwarded, 403},
		{"forwarded host from an untrusted peer", server.Config{TrustedProxies: other}, "https://shop.example", forwarded, 403},
		{"trusted peer forwards another host", server.Config{TrustedProxies: loopback}, "https://evil.test", forwarded, 403},
		{"canonical origin", server.Config{Origin: "https://shop.example"}, "https://shop.example", nil, 303},
		{"canonical origin with default port", server.Config{Origin: "https://shop.example"}, "https://shop.example:443", nil, 303},
		{"not the canonical origin", server.Config{Origin: "https://shop.example"}, "https://evil.test", nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.cfg)
			resp, _ := h.post(t, nil, "/products/1?/buy", tt.origin, "", "quantity=1", tt.header...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			wantRuns := int64(0)
			if tt.want == 303 {
				wantRuns = 1
			}
			if n := h.fix.Actions.Load(); n != wantRuns {
				t.Fatalf("action ran %d times, want %d", n, wantRuns)
			}
		})
	}
}

func TestConfigFromEnvActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         map[string]string
		wantProxies []netip.Prefix
		wantRead    time.Duration
		wantErr     string
	}{
		{"unset", nil, nil, 0, ""},
		{"addresses and prefixes", map[string]string{"GOX_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1,::1,,fd00::/8"},
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fd00::/8")}, 0, ""},
		{"prefix with host bits", map[string]string{"GOX_TRUSTED_PROXIES": "192.168.1.7/24"},
			[]netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, 0, ""},
		{"mapped IPv4", map[string]string{"GOX_TRUSTED_PROXIES": "::ffff:127.0.0.1"},
			[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, 0, ""},
		{"host name", map[string]string{"GOX_TRUSTED_PROXIES": "proxy.internal"}, nil, 0, `GOX_TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR prefix`},
		{"bad prefix length", map[string]string{"GOX_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/33"}, nil, 0, `"10.0.0.0/33" is not`},
		{"read timeout", map[string]string{"GOX_READ_TIMEOUT": "90s"}, nil, 90 * time.Second, ""},
		{"read timeout without unit", map[string]string{"GOX_READ_TIMEOUT": "90"}, nil, 0, "GOX_READ_TIMEOUT"},
		{"negative read timeout", map[string]string{"GOX_READ_TIMEOUT": "-1s"}, nil, 0, "GOX_READ_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := server.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "hint: ") {
					t.Fatalf("err = %v, want %q with a hint", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.TrustedProxies, tt.wantProxies) || cfg.ReadTimeout != tt.wantRead {
				t.Fatalf("got %v %v, want %v %v", cfg.TrustedProxies, cfg.ReadTimeout, tt.wantProxies, tt.wantRead)
			}
		})
	}
}

// TestServeSlowActionBody: a post whose body trickles in slower than the
// read timeout is cut off by App.Serve, and its action never runs.
func TestServeSlowActionBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{ReadTimeout: 200 * time.Millisecond})
	app, fix := h.app, h.fix
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	origin := "http://" + ln.Addr().String()
	body := "quantity=1&pad=" + strings.Repeat("x", 25)
	fmt.Fprintf(conn, "POST /products/1?/buy HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", ln.Addr(), origin, len(body))
	// A byte every 100 ms: the body would take 4 s, twenty read timeouts.
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		for i := range len(body) {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound, not an assertion
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	switch {
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("slow body answered %d, want an error status", resp.StatusCode)
		}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		// closed without an answer
	default:
		t.Fatalf("reading the answer: %v", err)
	}
	<-trickled
	if n := fix.Actions.Load(); n != 0 {
		t.Fatalf("the action ran %d times on a body slower than the read timeout", n)
	}
	if got := fix.Product("1").Stock; got != 10 {
		t.Fatalf("stock = %d, want 10", got)
	}
	// The server still answers others.
	post, _ := http.NewRequest(http.MethodPost, origin+"/products/1?/buy", strings.NewReader("quantity=1"))
	post.Header.Set("Origin", origin)
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = noRedirects(nil).Do(post)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a prompt post after the slow one: %d, want 303", resp.StatusCode)
	}
}

// versioned is a one-page app whose actions bump its data and revalidate
// the page, each in its own way; its renders can be held to see who waits.
type versioned struct {
	mu      sync.Mutex
	version int
	gate    chan struct{}
	renders atomic.Int64
}

func (v *versioned) routes() page.Routes {
	bump := func(revalidate func(c *gox.Ctx) error) gox.Action {
		return func(c *gox.Ctx) error {
			v.mu.Lock()
			v.version++
			v.mu.Unlock()
			return revalidate(c)
		}
	}
	return page.Routes{Pages: []page.Page{{
		Pattern: "/items/{id}", Revalidate: time.Hour,
		Tags: func(p gox.Params) []string { return []string{"item-" + p.Get("id")} },
		Render: func(c *gox.Ctx) (templ.Component, error) {
			v.renders.Add(1)
			v.mu.Lock()
			gate := v.gate
			v.mu.Unlock()
			if gate != nil {
				<-gate
			}
			v.mu.Lock()
			defer v.mu.Unlock()
			return templ.Raw(fmt.Sprintf(`<p id="v">%d</p>`, v.version)), nil
		},
		Actions: gox.Actions{
			"revalidate-tag":  bump(func(c *gox.Ctx) error { return gox.RevalidateTag(c, "item-"+c.Param("id")) }),
			"revalidate-path": bump(func(c *gox.Ctx) error { return gox.RevalidatePath(c, "/items/"+c.Param("id")) }),
			"expire-tag":      bump(func(c *gox.Ctx) error { return gox.ExpireTag(c, "item-"+c.Param("id")) }),
			"expire-path":     bump(func(c *gox.Ctx) error { return gox.ExpirePath(c, "/items/"+c.Param("id")) }),
		},
	}}}
}

// fetch GETs url and returns the X-Gox-Cache state and the body.
func fetch(client *http.Client, url string) (string, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Gox-Cache"), string(b), err
}

// TestActionRevalidationModes: after an action, the acting browser gets
// the fresh page whichever call the action made; another visitor gets the
// stale page at once after Revalidate*, and waits for the fresh render
// after Expire*. Everyone shares one render.
func TestActionRevalidationModes(t *testing.T) {
	t.Parallel()
	tests := []struct{ action, other string }{
		{"revalidate-tag", "STALE"},
		{"revalidate-path", "STALE"},
		{"expire-tag", "EXPIRED"},
		{"expire-path", "EXPIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			v := &versioned{}
			app, err := server.New(v.routes(), server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(app.Handler())
			t.Cleanup(func() { srv.Close(); app.Close() })
			h := &harness{url: srv.URL, app: app, store: st}
			page := srv.URL + "/items/1"
			type result struct{ state, body string }
			// waiting waits until the engine has counted n requests that
			// could not be served from the cache as it is, failing if the
			// request behind ch was answered without waiting.
			waiting := func(n int64, ch chan result) {
				t.Helper()
				for {
					select {
					case r := <-ch:
						t.Fatalf("answered %s %q without waiting for the fresh render", r.state, r.body)
					default:
					}
					if err := app.Engine().Flush(t.Context()); err != nil {
						t.Fatal(err)
					}
					c, err := st.Counters(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if c["/items/{id}"].Misses >= n {
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			get := func(client *http.Client) chan result {
				ch := make(chan result, 1)
				go func() {
					state, body, err := fetch(client, page)
					if err != nil {
						body = err.Error()
					}
					ch <- result{state, body}
				}()
				return ch
			}
			const before, after = `<p id="v">0</p>`, `<p id="v">1</p>`

			if state, body, err := fetch(http.DefaultClient, page); err != nil || state != "MISS" || !strings.Contains(body, before) {
				t.Fatalf("first visit: %s %q %v", state, body, err)
			}
			gate := make(chan struct{})
			var once sync.Once
			release := func() { once.Do(func() { close(gate) }) }
			t.Cleanup(release) // before the server closes, should the test fail
			v.mu.Lock()
			v.gate = gate
			v.mu.Unlock()
			jar, _ := cookiejar.New(nil)
			actor := noRedirects(jar)
			if resp, _ := h.post(t, actor, "/items/1?/"+tt.action, h.url, "", ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/items/1" {
				t.Fatalf("action: %d %q, want 303 to /items/1", resp.StatusCode, resp.Header.Get("Location"))
			}

			// While the fresh render is held, another visitor either gets
			// the stale page at once or waits for it.
			var other chan result
			misses := int64(1) // the first visit
			if tt.other == "STALE" {
				if r := <-get(http.DefaultClient); r.state != "STALE" || !strings.Contains(r.body, before) {
					t.Fatalf("other visitor: %s %q, want STALE with the old data", r.state, r.body)
				}
			} else {
				other = get(http.DefaultClient)
				misses++
				waiting(misses, other)
			}
			mine := get(actor)
			waiting(misses+1, mine)
			release()

			if r := <-mine; r.state == "STALE" || !strings.Contains(r.body, after) {
				t.Fatalf("acting visitor: %s %q, want the fresh page", r.state, r.body)
			}
			if other != nil {
				if r := <-other; r.state != tt.other || !strings.Contains(r.body, after) {
					t.Fatalf("other visitor: %s %q, want %s with the new data", r.state, r.body, tt.other)
				}
			}
			// Then both get the fresh page from the cache: nobody rendered
			// it again.
			for _, c := range []*http.Client{actor, http.DefaultClient} {
				if state, body, err := fetch(c, page); err != nil || state != "HIT" || !strings.Contains(body, after) {
					t.Fatalf("after regeneration: %s %q %v, want HIT with the new data", state, body, err)
				}
			}
			if n := v.renders.Load(); n != 2 {
				t.Fatalf("%d renders, want 2: the first visit and one regeneration", n)
			}
		})
	}
}
