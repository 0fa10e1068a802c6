package revalidate_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/internal/httperr"
)

const token = "s3cret-token"

func TestAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, auth, configured string
		want                        int
	}{
		{"right token", "/_gox/revalidate", "Bearer " + token, token, 0},
		{"scheme case", "/_gox/revalidate", "bearer " + token, token, 0},
		{"no token configured", "/_gox/revalidate", "Bearer " + token, "", 404},
		{"wrong token", "/_gox/revalidate", "Bearer nope", token, 401},
		{"prefix of the token", "/_gox/revalidate", "Bearer s3cret", token, 401},
		{"empty bearer", "/_gox/revalidate", "Bearer ", token, 401},
		{"no header", "/_gox/revalidate", "", token, 401},
		{"basic scheme", "/_gox/revalidate", "Basic " + token, token, 401},
		{"two tokens", "/_gox/revalidate", "Bearer " + token + " x", token, 401},
		{"token in the query", "/_gox/revalidate?token=" + token, "", token, 401},
		{"right header and a query token", "/_gox/revalidate?secret=" + token, "Bearer " + token, token, 401},
		{"draft secret as token", "/_gox/revalidate", "Bearer draft-secret", token, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.url, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			err := revalidate.Authorize(r, tt.configured)
			got := 0
			if err != nil {
				got = httperr.StatusCode(err)
				if strings.Contains(err.Error(), token) {
					t.Fatalf("error %q echoes the token", err)
				}
			}
			if got != tt.want {
				t.Fatalf("Authorize = %v (%d), want %d", err, got, tt.want)
			}
		})
	}
}

func TestParseBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ctype, body string
		want              int
		mode              string
	}{
		{"tags and paths", "application/json", `{"tags":["a"],"paths":["/p"]}`, 0, "stale"},
		{"expire", "application/json; charset=utf-8", `{"tags":["a"],"mode":"expire"}`, 0, "expire"},
		{"bad json", "application/json", `{"tags":`, 400, ""},
		{"unknown field", "application/json", `{"tags":["a"],"token":"x"}`, 400, ""},
		{"trailing data", "application/json", `{"tags":["a"]} {}`, 400, ""},
		{"wrong type", "application/json", `{"tags":"a"}`, 400, ""},
		{"nothing", "application/json", `{}`, 400, ""},
		{"bad mode", "application/json", `{"tags":["a"],"mode":"now"}`, 400, ""},
		{"relative path", "application/json", `{"paths":["p"]}`, 400, ""},
		{"dot segment", "application/json", `{"paths":["/a/../b"]}`, 400, ""},
		{"path with a query", "application/json", `{"paths":["/posts?page=2"]}`, 400, ""},
		{"control char", "application/json", `{"tags":["a\nb"]}`, 400, ""},
		{"long tag", "application/json", `{"tags":["` + strings.Repeat("x", 300) + `"]}`, 400, ""},
		{"not json", "text/plain", `{"tags":["a"]}`, 415, ""},
		{"too big", "application/json", `{"tags":["` + strings.Repeat("x", 2000) + `"]}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/_gox/revalidate", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ctype)
			req, err := revalidate.ParseBody(r, 1024)
			got := 0
			if err != nil {
				got = httperr.StatusCode(err)
			}
			if got != tt.want || (err == nil && req.Mode != tt.mode) {
				t.Fatalf("ParseBody = %+v, %v; want status %d mode %q", req, err, tt.want, tt.mode)
			}
		})
	}
}

func TestAuthorizePrerender(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/p", nil)
	if err := revalidate.AuthorizePrerender(r, token); httperr.StatusCode(err) != 404 {
		t.Fatalf("no header: %v", err)
	}
	r.Header.Set(revalidate.PrerenderHeader, "nope")
	if err := revalidate.AuthorizePrerender(r, token); httperr.StatusCode(err) != 401 {
		t.Fatalf("wrong header: %v", err)
	}
	r.Header.Set(revalidate.PrerenderHeader, token)
	if err := revalidate.AuthorizePrerender(r, token); err != nil {
		t.Fatalf("right header: %v", err)
	}
}

func TestCanonicalPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"canonical", "/products/1", "/products/1", ""},
		{"root", "/", "/", ""},
		{"trailing slash", "/products/1/", "/products/1", ""},
		{"doubled slashes", "//products//1", "/products/1", ""},
		{"needless escape", "/products/%31", "/products/1", ""},
		{"escaped space", "/blog/hello%20world", "/blog/hello world", ""},
		{"relative", "products/1", "", "not absolute"},
		{"empty", "", "", "not absolute"},
		{"dot segment", "/products/../admin", "", "dot segment"},
		{"encoded dot segment", "/products/%2e%2e/admin", "", "dot segment"},
		{"query", "/posts?page=2", "", "give the path alone"},
		{"fragment", "/posts#top", "", "give the path alone"},
		{"too long", "/" + strings.Repeat("a", 3000), "", "too long"},
		{"malformed escape", "/100%", "", "malformed escape"},
		{"control character", "/a%0Ab", "", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := revalidate.CanonicalPath(tt.in)
			if tt.wantErr != "" {
				if err == nil || httperr.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CanonicalPath(%q) = %q, %v; want a 400 saying %q", tt.in, got, err, tt.wantErr)
				}
				if len(err.Error()) > 200 {
					t.Fatalf("error of %d bytes; want it short enough to read", len(err.Error()))
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseBodyCanonicalizesPaths(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/_gox/revalidate",
		strings.NewReader(`{"paths":["/products/1/","//products/1","/products/2"],"tags":["b","a","b"]}`))
	r.Header.Set("Content-Type", "application/json")
	req, err := revalidate.ParseBody(r, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(req.Paths, " "), "/products/1 /products/2"; got != want {
		t.Errorf("paths = %q, want %q", got, want)
	}
	if got, want := strings.Join(req.Tags, " "), "a b"; got != want {
		t.Errorf("tags = %q, want %q", got, want)
	}
}
