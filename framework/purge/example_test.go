package purge_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/purge/varnish"
)

// A queue sends each purge to every CDN in the background; Close sends
// what is still queued.
func Example() {
	got := make(chan string, 1)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.Header.Get("xkey-softpurge")
	}))
	defer cdn.Close()

	q := purge.NewQueue([]purge.Purger{&varnish.Purger{URL: cdn.URL}}, purge.Options{Timeout: time.Second})
	q.Add([]string{"product-1", "product-list"}, true)
	fmt.Println(<-got)
	q.Close()
	fmt.Println(q.Stats()[0].Calls, "call,", q.Stats()[0].Keys, "keys")
	// Output:
	// PURGE product-1 product-list
	// 1 call, 2 keys
}
