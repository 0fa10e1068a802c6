package metrics_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/goxweb/gox/framework/metrics"
)

// The server reports each response; Prometheus scrapes the handler.
func Example() {
	m := metrics.New(metrics.Options{})
	defer m.Close()
	m.Response("/products/{id}", []string{"HIT"}, 200, 16384)
	m.Response("/products/{id}", []string{"MISS"}, 200, 16384)
	m.Stored("/products/{id}", "/products/1")

	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/_gox/metrics", nil))
	for line := range strings.SplitSeq(w.Body.String(), "\n") {
		if strings.HasPrefix(line, "gox_requests_total") {
			fmt.Println(line)
		}
	}
	r := m.Routes()[0]
	fmt.Printf("%s: %d reads, %.0f%% hits, %.0f reads per write\n", r.Route, r.Reads, 100*r.HitRate(), r.ReadsPerWrite())
	// Output:
	// gox_requests_total{cache="HIT",code="2xx",route="/products/{id}"} 1
	// gox_requests_total{cache="MISS",code="2xx",route="/products/{id}"} 1
	// /products/{id}: 2 reads, 50% hits, 2 reads per write
}
