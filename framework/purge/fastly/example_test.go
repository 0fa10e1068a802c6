package fastly_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/goxweb/gox/framework/purge/fastly"
)

// A soft purge by surrogate key, here against a local stand-in for
// Fastly's API.
func ExamplePurger_Purge() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Surrogate-Key"), r.Header.Get("Fastly-Soft-Purge"))
	}))
	defer api.Close()
	p := &fastly.Purger{ServiceID: "SU1Z0isxPaozGVKXdv0eY", Token: "token", Endpoint: api.URL}
	fmt.Println(p.Purge(context.Background(), []string{"product-1", "product-list"}, true))
	// Output:
	// POST /service/SU1Z0isxPaozGVKXdv0eY/purge product-1 product-list 1
	// <nil>
}
