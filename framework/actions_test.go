package gox_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/internal/testapp"
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
	h := newHarness(t, gox.Config{})
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
	h := newHarness(t, gox.Config{})
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
	h := newHarness(t, gox.Config{})
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
	h := newHarness(t, gox.Config{})
	resp, _ := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1&next="+url.QueryEscape("/thanks"))
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/thanks" {
		t.Fatalf("got %d %q, want 303 /thanks", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func revalidateReq(t *testing.T, h *harness, auth, query, ctype, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_gox/revalidate"+query, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRevalidateEndpoint(t *testing.T) {
	t.Parallel()
	const token, draftSecret = "rev-token", "draft-secret"
	off := newHarness(t, gox.Config{})
	if code, _ := revalidateReq(t, off, "Bearer x", "", "application/json", `{"tags":["a"]}`); code != 404 {
		t.Fatalf("no token configured: %d, want 404", code)
	}
	h := newHarness(t, gox.Config{RevalidateToken: token, DraftSecret: draftSecret})
	h.get(t, "/products/1")
	h.get(t, "/products/2")
	json := "application/json"
	tests := []struct {
		name, auth, query, ctype, body string
		want                           int
		wantBody                       string
	}{
		{"wrong token", "Bearer nope", "", json, `{"tags":["product-1"]}`, 401, ""},
		{"empty bearer", "Bearer ", "", json, `{"tags":["product-1"]}`, 401, ""},
		{"token in the query", "", "?token=" + token, json, `{"tags":["product-1"]}`, 401, ""},
		{"draft secret instead", "Bearer " + draftSecret, "", json, `{"tags":["product-1"]}`, 401, ""},
		{"bad json", "Bearer " + token, "", json, `{"tags":`, 400, ""},
		{"not json", "Bearer " + token, "", "text/plain", `{"tags":["x"]}`, 415, ""},
		{"right token", "Bearer " + token, "", json, `{"tags":["product-list"],"paths":["/products/1"]}`, 200, `{"paths":1,"tags":1,"entries":3,"mode":"stale"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := revalidateReq(t, h, tt.auth, tt.query, tt.ctype, tt.body)
			if code != tt.want || (tt.wantBody != "" && strings.TrimSpace(body) != tt.wantBody) {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.want, tt.wantBody)
			}
			if strings.Contains(body, token) {
				t.Fatal("answer echoes the token")
			}
		})
	}
	// The draft cookie alone does not authorize revalidation.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if resp, err := c.Get(h.url + "/_gox/draft?token=" + draftSecret + "&redirect=/products/1"); err != nil || resp.Header.Get("X-Gox-Cache") != "BYPASS" {
		t.Fatalf("draft mode: %v %v", err, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_gox/revalidate", strings.NewReader(`{"tags":["x"]}`))
	req.Header.Set("Content-Type", json)
	if resp, _ := c.Do(req); resp.StatusCode != 401 {
		t.Fatalf("draft cookie as revalidation credential: %d, want 401", resp.StatusCode)
	}
}

func TestRevalidateManyEntriesDoesNotBlockHits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, gox.Config{RevalidateToken: "tok"})
	h.get(t, "/products/1")
	seed10k(t, h)
	done := make(chan string)
	go func() {
		_, body := revalidateReq(t, h, "Bearer tok", "", "application/json", `{"tags":["bulk"]}`)
		done <- body
	}()
	hits := 0
	for {
		select {
		case body := <-done:
			if !strings.Contains(body, `"entries":10000`) {
				t.Fatalf("revalidate answer %s, want 10000 entries", body)
			}
			if hits == 0 {
				r, _ := h.get(t, "/products/1")
				if r.Header.Get("X-Gox-Cache") != "HIT" {
					t.Fatalf("other page after bulk revalidation: %s", r.Header.Get("X-Gox-Cache"))
				}
			}
			return
		default:
			if r, _ := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" {
				t.Fatalf("other page during bulk revalidation: %s", r.Header.Get("X-Gox-Cache"))
			}
			hits++
		}
	}
}

func TestPrerenderHeaderRevalidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, gox.Config{RevalidateToken: "tok"})
	h.get(t, "/products/1")
	h.fix.SetProduct("1", testapp.Product{Name: "Gopher", Stock: 4})
	if r, _ := h.get(t, "/products/1", "x-prerender-revalidate: wrong"); r.StatusCode != 401 {
		t.Fatalf("wrong token: %d", r.StatusCode)
	}
	r, b := h.get(t, "/products/1", "x-prerender-revalidate: tok")
	if r.StatusCode != 200 || r.Header.Get("X-Gox-Cache") != "REVALIDATED" || !strings.Contains(b, `<p id="stock">4</p>`) {
		t.Fatalf("prerender revalidation: %d %s", r.StatusCode, r.Header.Get("X-Gox-Cache"))
	}
	if r, b := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, `<p id="stock">4</p>`) {
		t.Fatal("the regenerated page is not what the cache serves")
	}
}

func TestDraftMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, gox.Config{DraftSecret: "ds"})
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
	off := newHarness(t, gox.Config{})
	if r, _ := off.get(t, "/_gox/draft?token=ds"); r.StatusCode != 404 {
		t.Fatalf("draft without a secret: %d, want 404", r.StatusCode)
	}
}
