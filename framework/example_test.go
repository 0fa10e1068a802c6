package gox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// stock is the data of the examples: what a database would hold.
var stock = map[string]int{"1": 10}

// Product is what the product page's Load returns and its Page shows.
type Product struct {
	ID    string
	Stock int
}

// Load is a product page's Load: it sees the route's params, never the
// request, because every visitor gets the same cached HTML.
func Load(c *gox.Ctx) (Product, error) {
	n, ok := stock[c.Param("id")]
	if !ok {
		return Product{}, gox.NotFound
	}
	return Product{ID: c.Param("id"), Stock: n}, nil
}

// Page stands for the templ component of routes/products/id_/page.templ.
func Page(p Product) templ.Component {
	return templ.Raw(fmt.Sprintf("<h1>Product %s</h1><p>%d in stock</p>", p.ID, p.Stock))
}

// Buy is a server action: it changes the data and revalidates the pages
// that show it. c is a context.Context.
func Buy(c *gox.Ctx) error {
	if c.FormValue("quantity") != "1" {
		return gox.Invalid(gox.FormErrors{"quantity": "buy one at a time"})
	}
	stock[c.Param("id")]--
	return gox.RevalidateTag(c, "product-"+c.Param("id"))
}

// routeTable is what gox generates into gox_routes.go from routes/.
var routeTable = page.Routes{Pages: []page.Page{{
	Pattern:    "/products/{id}",
	Render:     page.PageWithLoad(Load, Page),
	Revalidate: 10 * time.Minute,
	Tags:       func(p gox.Params) []string { return []string{"product-" + p.Get("id")} },
	Actions:    gox.Actions{"buy": Buy},
}}, Handlers: []page.Handler{{Pattern: "/api/restock", Method: http.MethodPost, Func: Restock}}}

// Restock is a plain handler (routes/api/restock/route.go): a webhook or an
// admin endpoint. The request's context carries the app.
func Restock(c echo.Context) error {
	stock["1"] = 10
	if err := gox.RevalidateTag(c.Request().Context(), "product-1"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// waitFor polls url until its body contains want, for at most 5 s.
func waitFor(url, want string) string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := get(url)
		if strings.Contains(got, want) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

// serve starts the app the way gox.Run does, on an in-memory cache.
func serve() (*httptest.Server, func()) {
	app, err := server.New(routeTable, server.Config{Store: memory.New()})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(app.Handler())
	return srv, func() { srv.Close(); app.Close() }
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Gox-Cache") + " " + string(body)
}

// A page is rendered once and then served from the cache.
func Example_page() {
	srv, stop := serve()
	defer stop()
	fmt.Println(get(srv.URL + "/products/1"))
	fmt.Println(get(srv.URL + "/products/1"))
	// Output:
	// MISS <h1>Product 1</h1><p>10 in stock</p>
	// HIT <h1>Product 1</h1><p>10 in stock</p>
}

// An action posted from the page's form runs, revalidates, and redirects
// back (Post/Redirect/Get); the next visit shows the new stock.
func Example_action() {
	srv, stop := serve()
	defer stop()
	get(srv.URL + "/products/1") // cached with 10 in stock
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/products/1?/buy", strings.NewReader(url.Values{"quantity": {"1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL) // the CSRF check: same origin only
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// The regeneration was queued at once; other visitors get it as soon
	// as it lands.
	fmt.Println(waitFor(srv.URL+"/products/1", "9 in stock"))
	stock["1"] = 10
	// Output:
	// 303 /products/1
	// HIT <h1>Product 1</h1><p>9 in stock</p>
}

// RevalidateTag works wherever the app's context is: in an action (pass
// its Ctx), in a plain handler (its request's context) or in a program
// started by gox.Run. Outside any app it says so.
func ExampleRevalidateTag() {
	srv, stop := serve()
	defer stop()
	stock["1"] = 3
	get(srv.URL + "/products/1") // cached with 3 in stock
	resp, err := http.Post(srv.URL+"/api/restock", "text/plain", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	fmt.Println(waitFor(srv.URL+"/products/1", "10 in stock"))
	fmt.Println(gox.RevalidateTag(context.Background(), "product-1"))
	// Output:
	// 204
	// HIT <h1>Product 1</h1><p>10 in stock</p>
	// gox: no app in context and none started by gox.Run
}
