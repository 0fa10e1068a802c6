package varnish_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/goxweb/gox/framework/purge/varnish"
)

// A hard purge (an expiry) by xkey, here against a local stand-in for a
// Varnish server; TestVarnishPurgedByTag runs a real one.
func ExamplePurger_Purge() {
	v := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("xkey-purge"))
	}))
	defer v.Close()
	fmt.Println((&varnish.Purger{URL: v.URL}).Purge(context.Background(), []string{"product-1"}, false))
	// Output:
	// PURGE / product-1
	// <nil>
}
