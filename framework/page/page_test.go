package page_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/page"
)

type key struct{}

func TestCtxIsTheRendersContext(t *testing.T) {
	t.Parallel()
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "app"), time.Hour)
	c := page.NewCtx(parent, page.Params{"id": "7"}, url.Values{"page": {"2"}}, nil)
	if c.Value(key{}) != "app" || c.Param("id") != "7" || c.Query("page") != "2" {
		t.Fatalf("Ctx sees value %v, id %q, page %q", c.Value(key{}), c.Param("id"), c.Query("page"))
	}
	if _, ok := c.Deadline(); !ok {
		t.Fatal("Ctx lost its parent's deadline")
	}
	// A templ component gets a context derived from the Ctx and finds it.
	child := templ.WithChildren(c, templ.NopComponent)
	if page.FromContext(child) != c || page.FromContext(parent) != nil {
		t.Fatal("FromContext does not find the Ctx a context derives from")
	}
	cancel()
	if c.Err() == nil {
		t.Fatal("Ctx not cancelled with its parent")
	}
	<-c.Done()
}

func TestActionState(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/products/1?/buy", nil)
	c := page.NewActionCtx(context.Background(), page.Params{"id": "1"}, r, url.Values{"quantity": {"2"}})
	if c.FormValue("quantity") != "2" || page.ActionRedirect(c) != "" || !page.LastWrite(c).IsZero() {
		t.Fatal("a new action's state is not its form alone")
	}
	c.Redirect("/thanks")
	at := time.Now()
	page.MarkWrite(templ.WithChildren(c, nil), at, []string{"/p"}, []string{"t", "t"}) // from any context derived from it
	if page.ActionRedirect(c) != "/thanks" || !page.LastWrite(c).Equal(at) {
		t.Fatalf("redirect %q, write %v; want /thanks, %v", page.ActionRedirect(c), page.LastWrite(c), at)
	}
	page.MarkWrite(c, at, []string{"/p", "/q"}, []string{"u"})
	if paths, tags := page.Written(c); !slices.Equal(paths, []string{"/p", "/q"}) || !slices.Equal(tags, []string{"t", "u"}) {
		t.Fatalf("Written = %q, %q; want each path and tag once", paths, tags)
	}
	// A render's Ctx has no action: these are no-ops.
	rc := page.NewCtx(context.Background(), nil, nil, nil)
	rc.Redirect("/x")
	page.MarkWrite(rc, at, nil, []string{"t"})
	if rc.Form() != nil || page.ActionRedirect(rc) != "" || !page.LastWrite(rc).IsZero() {
		t.Fatal("a render's Ctx took action state")
	}
}

// PageWithLoad is what gox_routes.go writes for a page whose folder has a
// Load and a Page that takes what Load returns.
func ExamplePageWithLoad() {
	load := func(c *page.Ctx) (string, error) { return "Gopher #" + c.Param("id"), nil }
	view := func(name string) templ.Component { return templ.Raw("<h1>" + name + "</h1>") }
	render := page.PageWithLoad(load, view)

	comp, _ := render(page.NewCtx(context.Background(), page.Params{"id": "7"}, nil, nil))
	var b strings.Builder
	_ = comp.Render(context.Background(), &b)
	fmt.Println(b.String())
	// Output: <h1>Gopher #7</h1>
}
