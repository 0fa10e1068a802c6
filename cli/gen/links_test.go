package gen

import (
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/route"
)

func TestLinkFunc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name, args, body string
	}{
		{"/", "Index", "", `"/"`},
		{"/posts", "Posts", "", `"/posts"`},
		{"/about-us", "AboutUs", "", `"/about-us"`},
		{"/v1.2/faq", "V12FAQ", "", `"/v1.2/faq"`},
		{"/404", "Page404", "", `"/404"`},
		{"/products/{id}", "ProductsByID", "id string", `"/products/" + netURL.PathEscape(id)`},
		{"/users/{user_id}/posts", "UsersByUserIDPosts", "user_id string", `"/users/" + netURL.PathEscape(user_id) + "/posts"`},
		{"/shops/{shop}/items/{sku}", "ShopsByShopItemsBySKU", "shop string, sku string", `"/shops/" + netURL.PathEscape(shop) + "/items/" + netURL.PathEscape(sku)`},
		{"/docs/{path...}", "DocsByPath", "path ...string", `"/docs" + escapeSegments(path)`},
		{"/{slug}", "BySlug", "slug string", `"/" + netURL.PathEscape(slug)`},
	}
	for _, tt := range tests {
		p, err := route.Parse(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		name, args, body := linkFunc(p)
		if got, want := name+"("+args+") "+body, tt.name+"("+tt.args+") "+tt.body; got != want {
			t.Errorf("%s: got %s, want %s", tt.pattern, got, want)
		}
	}
}

// TestLinksCollide: two folders whose link functions would share a name
// are an error naming both, not a file that fails to compile.
func TestLinksCollide(t *testing.T) {
	t.Parallel()
	_, err := linksSource([]*routeDir{{rel: "about-us", pattern: "/about-us"}, {rel: "about.us", pattern: "/about.us"}})
	if err == nil || !strings.Contains(err.Error(), "routes/about.us") || !strings.Contains(err.Error(), "routes/about-us") || !strings.Contains(err.Error(), "hint:") {
		t.Fatalf("err = %v; want both folders named with a hint", err)
	}
}
