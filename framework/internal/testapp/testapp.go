// Package testapp is a small gox app with real templ components, used by
// the framework's HTTP tests and benchmarks. Each Fixture has its own data
// and render counters, so tests can run side by side.
//
// Example:
//
//	f := testapp.New()
//	app, _ := server.New(f.Routes(), server.Config{Store: store})
package testapp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/page"
)

// Product is a product of the fixture's data.
type Product struct {
	Name  string
	Stock int
}

// RequestInfo is what a page saw of its request.
type RequestInfo struct {
	Host, ForwardedHost, Cookie, UserAgent, Query string
}

// Fixture is one instance of the test app.
type Fixture struct {
	mu       sync.Mutex
	products map[string]Product
	// Fail, when set, makes /fail return it.
	fail    error
	Renders atomic.Int64 // renders of every page
	// Gate, when set, holds product renders until it is closed.
	Gate chan struct{}
	// Actions counts actions that ran.
	Actions atomic.Int64
}

// New returns a fixture with products "1" and "2".
func New() *Fixture {
	return &Fixture{products: map[string]Product{"1": {"Gopher", 10}, "2": {"Mug", 3}}}
}

// SetProduct changes the data behind /products/{id}.
func (f *Fixture) SetProduct(id string, p Product) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.products[id] = p
}

// SetFail makes /fail render err (nil: succeed).
func (f *Fixture) SetFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

func (f *Fixture) product(c *gox.Ctx) (Product, error) {
	f.Renders.Add(1)
	f.mu.Lock()
	gate := f.Gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.products[c.Param("id")]
	if !ok {
		return Product{}, gox.NotFound
	}
	return p, nil
}

func (f *Fixture) request(c *gox.Ctx) (RequestInfo, error) {
	f.Renders.Add(1)
	r := c.Request()
	cookie := ""
	if ck, err := r.Cookie("session"); err == nil {
		cookie = ck.Value
	}
	return RequestInfo{
		Host: r.Host, ForwardedHost: r.Header.Get("X-Forwarded-Host"), Cookie: cookie,
		UserAgent: r.Header.Get("User-Agent"), Query: r.URL.RawQuery,
	}, nil
}

// SetGate makes product renders wait until gate is closed (nil: no wait).
func (f *Fixture) SetGate(gate chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Gate = gate
}

// Product returns product id's data.
func (f *Fixture) Product(id string) Product {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.products[id]
}

// buy takes one item of product {id} and revalidates its tag.
func (f *Fixture) buy(c *gox.Ctx) error {
	f.Actions.Add(1)
	n, err := strconv.Atoi(c.FormValue("quantity"))
	if err != nil || n < 1 {
		return gox.Invalid(gox.FormErrors{"quantity": "at least 1"})
	}
	f.mu.Lock()
	p := f.products[c.Param("id")]
	if n > p.Stock {
		f.mu.Unlock()
		return gox.Invalid(gox.FormErrors{"quantity": "not enough stock"})
	}
	p.Stock -= n
	f.products[c.Param("id")] = p
	f.mu.Unlock()
	if c.FormValue("next") != "" {
		c.Redirect(c.FormValue("next"))
	}
	return gox.RevalidateTag(c, "product-"+c.Param("id"))
}

// Big is the body text of /big: about 16 KB of HTML.
var Big = func() []string {
	items := make([]string, 300)
	for i := range items {
		items[i] = fmt.Sprintf("Item %03d: a line of text to make the page as big as a real one", i)
	}
	return items
}()

// Routes returns the fixture's route table.
func (f *Fixture) Routes() page.Routes {
	layouts := []func() templ.Component{Layout}
	text := func(s string) page.RenderFunc {
		return func(*gox.Ctx) (templ.Component, error) { f.Renders.Add(1); return TextPage(s), nil }
	}
	return page.Routes{
		NotFound: NotFoundPage,
		Layouts:  layouts,
		Pages: []page.Page{
			{Pattern: "/", Render: text("home"), Layouts: layouts, Tags: page.StaticTags("home")},
			{
				Pattern: "/products/{id}", Render: page.PageWithLoad(f.product, ProductPage), Layouts: layouts,
				Actions:    gox.Actions{"buy": f.buy, "boom": func(*gox.Ctx) error { f.Actions.Add(1); return errors.New("boom") }},
				Revalidate: time.Hour, Tags: func(p gox.Params) []string { return []string{"product-" + p.Get("id"), "product-list"} },
			},
			{
				Pattern: "/only/{id}", Render: text("only"), Layouts: layouts, OnlyStaticParams: true,
				StaticParams: staticIDs("a", "b"),
			},
			{Pattern: "/request", Render: page.PageWithLoad(f.request, RequestPage), Layouts: layouts, Revalidate: time.Hour},
			{Pattern: "/dynamic", Render: page.PageWithLoad(f.request, RequestPage), Layouts: layouts, Dynamic: true},
			{Pattern: "/posts", Render: page.PageWithLoad(f.request, RequestPage), Layouts: layouts, Query: []string{"page"}},
			{Pattern: "/docs/{path...}", Render: func(c *gox.Ctx) (templ.Component, error) {
				f.Renders.Add(1)
				return TextPage("doc " + c.Param("path")), nil
			}, Layouts: layouts},
			{Pattern: "/fail", Render: func(c *gox.Ctx) (templ.Component, error) {
				f.Renders.Add(1)
				f.mu.Lock()
				defer f.mu.Unlock()
				if f.fail != nil {
					return nil, f.fail
				}
				return TextPage("ok"), nil
			}, Layouts: layouts, Error: ErrorPage, Revalidate: time.Millisecond},
			{Pattern: "/redirect", Render: func(*gox.Ctx) (templ.Component, error) {
				return nil, gox.Redirect("/")
			}},
			{Pattern: "/big", Render: func(*gox.Ctx) (templ.Component, error) {
				f.Renders.Add(1)
				return ListPage(Big), nil
			}, Layouts: layouts, Revalidate: time.Hour},
		},
	}
}

func staticIDs(ids ...string) func(ctx context.Context) ([]gox.Params, error) {
	return func(context.Context) ([]gox.Params, error) {
		out := make([]gox.Params, len(ids))
		for i, id := range ids {
			out[i] = gox.Params{"id": id}
		}
		return out, nil
	}
}

// ErrBroken is an error a test can make /fail return.
var ErrBroken = errors.New("broken on purpose")
