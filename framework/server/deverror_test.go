package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/internal/testapp/routes"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// failingApp serves pages whose Load fails or panics, with and without an
// error page of their own, a plain handler that panics, and middleware
// that panics on /mw-boom.
func failingApp(t *testing.T, dev bool) *harness {
	t.Helper()
	layouts := []func() templ.Component{testapp.Layout}
	fail := page.PageWithLoad(routes.FailingLoad, testapp.TextPage)
	boom := page.PageWithLoad(routes.PanickingLoad, testapp.TextPage)
	r := page.Routes{
		Layouts: layouts,
		Pages: []page.Page{
			{Pattern: "/fail", Render: fail, Layouts: layouts},
			{Pattern: "/boom", Render: boom, Layouts: layouts},
			{Pattern: "/fail-with-page", Render: fail, Layouts: layouts, Error: testapp.ErrorPage},
			{Pattern: "/boom-with-page", Render: boom, Layouts: layouts, Error: testapp.ErrorPage},
			{Pattern: "/cached-fail", Render: fail, Layouts: layouts, Revalidate: 3600e9},
			{Pattern: "/", Render: page.PageWithoutLoad(func() templ.Component { return testapp.TextPage("home") })},
		},
		Handlers: []page.Handler{
			{Pattern: "/api/boom", Method: http.MethodGet, Func: func(echo.Context) error { panic("handler <boom>") }},
		},
		Middleware: []page.Middleware{{Pattern: "/", Func: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/mw-boom" {
					panic("middleware <boom>")
				}
				next.ServeHTTP(w, r)
			})
		}}},
	}
	app, err := server.New(r, server.Config{Store: openStore(t), Dev: dev, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	return &harness{url: srv.URL, app: app}
}

// TestDevErrorPage: in development a Load that fails or panics, a plain
// handler or middleware that panics, answers 500 with the message, where
// in the app's routes/ it happened first, and the stack, all escaped.
func TestDevErrorPage(t *testing.T) {
	t.Parallel()
	h := failingApp(t, true)
	tests := []struct {
		path  string
		where string // the file:line the page names first; "" for none
		want  []string
	}{
		{"/fail", fmt.Sprintf("internal/testapp/routes/routes.go:%d", routes.FailingLoadLine), []string{
			"<h1>500 Internal Server Error</h1>",
			"stock service said &lt;script&gt;alert(&#34;down&#34;)&lt;/script&gt;",
			"routes.FailingLoad</code>",
			"github.com/goxweb/gox/framework/internal/testapp/routes.FailingLoad\n\t",
			"server.(*App).renderPage",
		}},
		{"/boom", fmt.Sprintf("internal/testapp/routes/routes.go:%d", routes.PanicLine), []string{
			"panic: no stock for &lt;b&gt;sku&lt;/b&gt;",
			"routes.PanickingLoad</code>",
			"id=\"gox-error-stack\">github.com/goxweb/gox/framework/internal/testapp/routes.PanickingLoad\n",
		}},
		{"/fail-with-page", fmt.Sprintf("internal/testapp/routes/routes.go:%d", routes.FailingLoadLine), []string{"stock service said"}},
		{"/boom-with-page", fmt.Sprintf("internal/testapp/routes/routes.go:%d", routes.PanicLine), []string{"no stock for"}},
		{"/api/boom", "deverror_test.go:", []string{"panic: handler &lt;boom&gt;", "id=\"gox-error-stack\">"}},
		{"/mw-boom", "deverror_test.go:", []string{"panic: middleware &lt;boom&gt;", "id=\"gox-error-stack\">"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := h.get(t, tt.path)
			if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("GET %s: %d, Cache-Control %q; want 500, private, no-store", tt.path, resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			where, _, _ := strings.Cut(body[strings.Index(body, `id="gox-error-where">`)+len(`id="gox-error-where">`):], "<")
			if !strings.Contains(where, tt.where) {
				t.Errorf("GET %s names %q first, want %q", tt.path, where, tt.where)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: the page lacks %q:\n%s", tt.path, w, body)
				}
			}
			for _, raw := range []string{"<script>alert", "<boom>", "<b>sku"} {
				if strings.Contains(body, raw) {
					t.Errorf("GET %s: the page shows %q unescaped", tt.path, raw)
				}
			}
		})
	}
	// A page that renders goes on rendering; dev mode caches nothing.
	if resp, body := h.get(t, "/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "home") {
		t.Fatalf("GET /: %d %q", resp.StatusCode, body)
	}
}

// TestProductionErrorPageHasNoStack: outside development the same
// failures answer 500 with the page's error page, or the plain one, and
// never the message, a file, a line or the stack.
func TestProductionErrorPageHasNoStack(t *testing.T) {
	t.Parallel()
	h := failingApp(t, false)
	tests := []struct {
		path, want string
	}{
		{"/fail", "500 Internal Server Error"},
		{"/boom", "500 Internal Server Error"},
		{"/fail-with-page", "Something broke"},
		{"/boom-with-page", "Something broke"},
		{"/cached-fail", "500 Internal Server Error"},
		{"/api/boom", "500 Internal Server Error"},
		{"/mw-boom", "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := h.get(t, tt.path)
			if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, tt.want) {
				t.Fatalf("GET %s: %d %q; want 500 with %q", tt.path, resp.StatusCode, body, tt.want)
			}
			for _, secret := range []string{"stock service", "no stock", "boom&gt;", "<boom>", ".go:", "goroutine",
				"gox-error-stack", "gox-error-where", "routes.", "Stack"} {
				if strings.Contains(body, secret) {
					t.Errorf("GET %s shows %q in production:\n%s", tt.path, secret, body)
				}
			}
		})
	}
}
