package cloudflare_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/goxweb/gox/framework/purge/cloudflare"
)

// A purge by cache tag, here against a local stand-in for Cloudflare's
// API.
func ExamplePurger_Purge() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, string(body))
		io.WriteString(w, `{"success":true}`)
	}))
	defer api.Close()
	p := &cloudflare.Purger{ZoneID: "023e105f4ecef8ad9ca31a8372d0c353", Token: "token", Endpoint: api.URL}
	fmt.Println(p.Purge(context.Background(), []string{"product-1"}, false))
	// Output:
	// POST /zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache {"tags":["product-1"]}
	// <nil>
}
