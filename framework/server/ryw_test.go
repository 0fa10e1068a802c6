package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/server"
)

func TestReadYourWritesScope(t *testing.T) {
	t.Parallel()
	cfg := server.Config{}
	cfg.Engine.EagerBudget = -1 // nothing regenerates until requested
	h := newHarness(t, cfg)
	for _, p := range []string{"/products/1", "/products/2", "/", "/request"} {
		h.get(t, p)
	}
	jar, _ := cookiejar.New(nil)
	buyer := noRedirects(jar)
	if resp, _ := h.post(t, buyer, "/products/1?/buy", h.url, "", "quantity=1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("buy: %d", resp.StatusCode)
	}
	get := func(c *http.Client, path string, cookie string) (string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Gox-Cache"), string(b)
	}
	renders := h.fix.Renders.Load()
	// Pages the action did not touch come from the cache, for the buyer too.
	for _, p := range []string{"/products/2", "/", "/request"} {
		if got, _ := get(buyer, p, ""); got != "HIT" {
			t.Errorf("buyer GET %s: %s, want HIT", p, got)
		}
	}
	if n := h.fix.Renders.Load() - renders; n != 0 {
		t.Errorf("%d renders for pages the action did not touch", n)
	}
	// The page it touched waits for a fresh render, reported as RYW.
	if got, body := get(buyer, "/products/1", ""); got != "RYW" || !strings.Contains(body, `<p id="stock">9</p>`) {
		t.Errorf("buyer GET /products/1: %s, want RYW with stock 9", got)
	}
	if got, _ := get(buyer, "/products/1", ""); got != "HIT" {
		t.Errorf("buyer's second GET /products/1: %s, want HIT", got)
	}

	// A second buyer's action leaves /products/2 stale; cookies that are
	// not the app's own do not make a stranger wait for it.
	jar2, _ := cookiejar.New(nil)
	if resp, _ := h.post(t, noRedirects(jar2), "/products/2?/buy", h.url, "", "quantity=1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second buy: %d", resp.StatusCode)
	}
	u, _ := url.Parse(h.url)
	var real string
	for _, c := range jar2.Cookies(u) {
		if c.Name == "__gox_ryw" {
			real = c.Value
		}
	}
	if real == "" {
		t.Fatal("the action set no read-your-writes cookie")
	}
	flipped := []byte(real)
	flipped[len(flipped)/2] ^= 1
	for name, v := range map[string]string{
		"forged":    string(flipped),
		"oversized": strings.Repeat("A", 4000),
		"garbage":   "not-a-cookie",
	} {
		if got, _ := get(http.DefaultClient, "/products/2", "__gox_ryw="+v); got == "RYW" || got == "EXPIRED" {
			t.Errorf("%s cookie: %s, want the cached page", name, got)
		}
	}
}
