package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestMiddleware: middleware wraps its folder's subtree, outer folders
// first, on HITs too; it can answer itself; what it sets is sent, never
// stored; paths that could dodge it are refused; /_gox/ is gox's own.
func TestMiddleware(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var trail []string
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				trail = append(trail, name)
				mu.Unlock()
				w.Header().Add("X-Trail", name)
				next.ServeHTTP(w, r)
			})
		}
	}
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, pw, ok := r.BasicAuth(); !ok || pw != "secret" {
				w.Header().Set("WWW-Authenticate", `Basic realm="admin"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	raw := func(s string) page.RenderFunc {
		return page.PageWithoutLoad(func() templ.Component { return templ.Raw(s) })
	}
	routes := page.Routes{
		Pages: []page.Page{
			{Pattern: "/", Revalidate: time.Hour, Render: raw("home")},
			{Pattern: "/shop/{id}", Revalidate: time.Hour, Render: raw("product")},
			{Pattern: "/shop/{id}/reviews", Revalidate: time.Hour, Render: raw("reviews")},
			{Pattern: "/admin", Revalidate: time.Hour, Render: raw("admin")},
		},
		Handlers: []page.Handler{{Pattern: "/admin/api/{id}", Method: http.MethodGet, Func: func(c echo.Context) error {
			return c.String(http.StatusOK, "api "+c.Param("id"))
		}}, {Pattern: "/{tenant}/orders", Method: http.MethodGet, Func: func(c echo.Context) error {
			return c.String(http.StatusOK, "orders of "+c.Param("tenant"))
		}}},
		Middleware: []page.Middleware{
			{Pattern: "/shop/{id}", Func: mark("product")},
			{Pattern: "/", Func: mark("root")},
			{Pattern: "/admin", Func: auth},
		},
	}
	app, err := server.New(routes, server.Config{Store: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	get := func(path string, password string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if password != "" {
			req.SetBasicAuth("admin", password)
		}
		resp, err := srv.Client().Transport.RoundTrip(req) // no redirects followed
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	reset := func() []string {
		mu.Lock()
		defer mu.Unlock()
		got := trail
		trail = nil
		return got
	}

	tests := []struct {
		path, password string
		code           int
		cache, trail   string
	}{
		{"/shop/1/reviews", "", 200, "MISS", "root,product"},
		{"/shop/1/reviews", "", 200, "HIT", "root,product"},
		{"/shop/2", "", 200, "MISS", "root,product"},
		{"/", "", 200, "MISS", "root"},
		{"/shop", "", 404, "MISS", "root"}, // a 404 under a middleware folder
		{"/admin", "", 401, "", "root"},
		{"/admin", "secret", 200, "MISS", "root"},
		{"/admin", "secret", 200, "HIT", "root"},
		{"/admin/api/7", "", 401, "", "root"},
		{"/admin/api/7", "secret", 200, "", "root"},
		{"/x/../admin/api/7", "", 404, "ERROR", ""}, // dot segments never reach a handler
		{"/admin%2Fapi/7", "", 404, "ERROR", ""},    // nor do encoded slashes
		{"/acme/orders", "", 200, "", "root"},
		{"//admin/", "", 308, "", ""},          // other spellings go to the canonical path first,
		{"/%61dmin/api/7", "", 308, "", ""},    // never to a handler echo matched on the spelling
		{"/%5fgox/orders", "", 308, "", ""},    // (/{tenant}/orders, past every middleware as gox's own)
		{"/_gox/orders", "", 404, "ERROR", ""}, // gox's own namespace holds no app handler
		{"/_gox/client.js", "", 200, "", ""},   // gox's own endpoints
	}
	for _, tt := range tests {
		resp, body := get(tt.path, tt.password)
		got := strings.Join(reset(), ",")
		if resp.StatusCode != tt.code || resp.Header.Get("X-Gox-Cache") != tt.cache || got != tt.trail {
			t.Errorf("GET %s: %d %q trail %q (%q); want %d %q trail %q", tt.path, resp.StatusCode, resp.Header.Get("X-Gox-Cache"), got, body, tt.code, tt.cache, tt.trail)
		}
		if tt.trail != "" && strings.Join(resp.Header.Values("X-Trail"), ",") != tt.trail {
			t.Errorf("GET %s: X-Trail %q, want %q", tt.path, resp.Header.Values("X-Trail"), tt.trail)
		}
	}
	for path, want := range map[string]string{"//admin/?x=1": "/admin?x=1", "/%5Fgox/orders": "/_gox/orders", "/%61dmin/api/7": "/admin/api/7"} {
		if resp, _ := get(path, ""); resp.Header.Get("Location") != want {
			t.Errorf("GET %s: Location %q, want %q", path, resp.Header.Get("Location"), want)
		}
	}
	reset()
	// What middleware set on the first response was never stored: the HIT
	// carries it once, from this request's middleware alone.
	if resp, body := get("/shop/1/reviews", ""); len(resp.Header.Values("X-Trail")) != 2 || body != "reviews" {
		t.Fatalf("HIT: X-Trail %q, body %q; want two values and the cached bytes unchanged", resp.Header.Values("X-Trail"), body)
	}
}
