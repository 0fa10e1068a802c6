package server_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/wire"
)

// revalidateFrom posts a revalidation with token as the client at xff
// (behind the test's proxy when it is trusted).
func revalidateFrom(t *testing.T, h *harness, xff, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+wire.RevalidatePath, strings.NewReader(`{"tags":["product-1"]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestRevalidateLimitsWrongTokens: past a burst of wrong tokens, a client
// gets 429 with Retry-After, even with the right token, while another
// client behind the same trusted proxy still revalidates; a client that
// is not behind a trusted proxy cannot dodge the count with
// X-Forwarded-For.
func TestRevalidateLimitsWrongTokens(t *testing.T) {
	t.Parallel()
	proxied := newHarness(t, server.Config{RevalidateToken: "tok", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for i := range revalidate.DefaultFailBurst {
		if got := revalidateFrom(t, proxied, "198.51.100.7", "wrong").StatusCode; got != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i+1, got)
		}
	}
	resp := revalidateFrom(t, proxied, "198.51.100.7", "wrong")
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || s < 1 {
		t.Fatalf("past the burst: %d, Retry-After %q; want 429 with seconds", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if got := revalidateFrom(t, proxied, "198.51.100.7", "tok").StatusCode; got != http.StatusTooManyRequests {
		t.Fatalf("right token from the limited client: %d, want 429", got)
	}
	if got := revalidateFrom(t, proxied, "203.0.113.9", "tok").StatusCode; got != http.StatusOK {
		t.Fatalf("right token from another client: %d, want 200", got)
	}
	if got := revalidateFrom(t, proxied, "203.0.113.9", "wrong").StatusCode; got != http.StatusUnauthorized {
		t.Fatalf("first wrong token from another client: %d, want 401", got)
	}

	direct := newHarness(t, server.Config{RevalidateToken: "tok"})
	for i := range revalidate.DefaultFailBurst {
		revalidateFrom(t, direct, "192.0.2."+strconv.Itoa(i), "wrong")
	}
	if got := revalidateFrom(t, direct, "192.0.2.99", "wrong").StatusCode; got != http.StatusTooManyRequests {
		t.Fatalf("untrusted peer with a new X-Forwarded-For: %d, want 429", got)
	}
	var refusal wire.RevalidateRefusal
	req, _ := http.NewRequest(http.MethodPost, direct.url+wire.RevalidatePath, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&refusal); err != nil || refusal.Error == "" {
		t.Fatalf("429 body: %v %+v, want a JSON refusal", err, refusal)
	}
}

// TestCookiesSecure: the draft and read-your-writes cookies are Secure when
// the site is https: by GOX_ORIGIN, or by a trusted proxy's
// X-Forwarded-Proto; not when an untrusted peer claims https.
func TestCookiesSecure(t *testing.T) {
	t.Parallel()
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name   string
		cfg    server.Config
		proto  string
		secure bool
	}{
		{"plain http", server.Config{}, "", false},
		{"untrusted peer says https", server.Config{}, "https", false},
		{"trusted proxy says https", server.Config{TrustedProxies: local}, "https", true},
		{"trusted proxy says http", server.Config{TrustedProxies: local}, "http", false},
		{"https origin", server.Config{Origin: "https://shop.example"}, "", true},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.DraftSecret = "draft-secret"
			h := newHarness(t, tt.cfg)
			for _, path := range []string{"/_gox/draft?token=draft-secret&redirect=/", "/_gox/draft/disable"} {
				req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
				if tt.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tt.proto)
				}
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				cookies := resp.Cookies()
				if resp.StatusCode != http.StatusTemporaryRedirect || len(cookies) != 1 || cookies[0].Secure != tt.secure {
					t.Fatalf("%s: %d, Set-Cookie %q; want 307 and Secure %v", path, resp.StatusCode, resp.Header.Values("Set-Cookie"), tt.secure)
				}
			}
			// The read-your-writes cookie of an action follows the same rule.
			origin := h.url
			switch {
			case tt.cfg.Origin != "":
				origin = tt.cfg.Origin
			case tt.proto == "https" && tt.cfg.TrustedProxies != nil:
				origin = "https://" + strings.TrimPrefix(h.url, "http://")
			}
			var header []string
			if tt.proto != "" {
				header = append(header, "X-Forwarded-Proto: "+tt.proto)
			}
			resp, body := h.post(t, nil, "/products/1?/buy", origin, "", "quantity=1", header...)
			cookies := resp.Cookies()
			if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 || cookies[0].Secure != tt.secure {
				t.Fatalf("action: %d %q, Set-Cookie %q; want 303 and Secure %v", resp.StatusCode, body, resp.Header.Values("Set-Cookie"), tt.secure)
			}
		})
	}
}

// TestHeadFillsLikeGet: a HEAD that finds nothing renders the page once
// and stores it under the same key as a GET, so the GETs and HEADs after
// it are HITs of that one entry and a flood of HEADs costs one render.
func TestHeadFillsLikeGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	steps := []struct {
		method, state string
		renders       int64
	}{
		{http.MethodHead, "MISS", 1},
		{http.MethodHead, "HIT", 1},
		{http.MethodGet, "HIT", 1},
	}
	var length string
	for i, s := range steps {
		resp, body := h.do(t, s.method, "/products/1")
		if got := resp.Header.Get("X-Gox-Cache"); resp.StatusCode != 200 || got != s.state || h.fix.Renders.Load() != s.renders {
			t.Fatalf("step %d %s: %d %s after %d renders, want 200 %s after %d", i, s.method, resp.StatusCode, got, h.fix.Renders.Load(), s.state, s.renders)
		}
		if s.method == http.MethodHead {
			if body != "" {
				t.Fatalf("HEAD answered with %d bytes", len(body))
			}
			length = resp.Header.Get("Content-Length")
		} else if strconv.Itoa(len(body)) != length {
			t.Fatalf("GET body %d bytes, HEAD said Content-Length %s", len(body), length)
		}
	}
}

// TestETagPerEncoding: each encoding of a page has its own ETag, and a
// 304 is given only for the tag of the encoding that would be sent, with
// that tag.
func TestETagPerEncoding(t *testing.T) {
	t.Parallel()
	h := newHarness(t, server.Config{})
	tags := map[string]string{}
	for _, enc := range []string{"identity", "gzip", "br"} {
		resp, _ := h.get(t, "/big", "Accept-Encoding: "+enc)
		if ce := resp.Header.Get("Content-Encoding"); (enc == "identity" && ce != "") || (enc != "identity" && ce != enc) {
			t.Fatalf("%s: Content-Encoding %q", enc, ce)
		}
		tags[enc] = resp.Header.Get("Etag")
	}
	if tags["identity"] == tags["gzip"] || tags["gzip"] == tags["br"] || tags["identity"] == tags["br"] {
		t.Fatalf("ETags %v: want one per encoding", tags)
	}
	tests := []struct {
		ae, inm string
		status  int
		etag    string
	}{
		{"gzip", tags["gzip"], 304, tags["gzip"]},
		{"br;Q=0, gzip", "W/" + tags["gzip"], 304, tags["gzip"]},
		{"gzip, br", tags["br"], 304, tags["br"]},
		{"identity", tags["gzip"], 200, tags["identity"]},
		{"gzip", tags["identity"], 200, tags["gzip"]},
		{"br", tags["gzip"] + ", " + tags["identity"], 200, tags["br"]},
	}
	for _, tt := range tests {
		resp, _ := h.get(t, "/big", "Accept-Encoding: "+tt.ae, "If-None-Match: "+tt.inm)
		if resp.StatusCode != tt.status || resp.Header.Get("Etag") != tt.etag {
			t.Errorf("Accept-Encoding %q, If-None-Match %q: %d %s, want %d %s", tt.ae, tt.inm, resp.StatusCode, resp.Header.Get("Etag"), tt.status, tt.etag)
		}
	}
}
