package httpcache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
)

// An entry is encoded once, when it is rendered, and written for every
// request that finds it.
func Example() {
	body := []byte("<h1>Gopher</h1>")
	e := &cache.Entry{Key: "/products/1", Status: 200, Body: body, Sum: xxhash.Sum64(body), GeneratedAt: time.Now()}
	httpcache.Encode(e)

	policy := httpcache.NewPolicy(time.Minute, httpcache.NoKeys)
	r := httptest.NewRequest(http.MethodGet, "/products/1", nil)
	r.Header.Set("If-None-Match", e.ETag)
	w := httptest.NewRecorder()
	policy.Write(w, r, e, []string{"HIT"})
	fmt.Println(w.Code, w.Header().Get("Cache-Control"))
	// Output: 304 public, max-age=0, s-maxage=60, stale-while-revalidate=31536000
}

// A page's purge keys: its path's and its tags', in the headers the
// policy sends; PurgeKeys names the same keys for an invalidation.
func ExampleTagKey() {
	e := &cache.Entry{Key: "/products/1", Tags: []string{"product-1", "summer sale"}}
	fmt.Println(httpcache.EntryKeys(e))
	fmt.Println(httpcache.PurgeKeys(nil, []string{"summer sale"}))
	// Output:
	// [gox-p-8dd20556fb82b087 product-1 gox-t-54eb1baab04a54d9]
	// [gox-t-54eb1baab04a54d9 gox-overflow]
}
