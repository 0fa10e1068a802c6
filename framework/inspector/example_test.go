package inspector_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/inspector"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/metrics"
)

// The inspector shows the metrics' routes and revalidates through the
// engine; the server serves it at /_gox/cache behind its token.
func Example() {
	st := memory.New()
	defer st.Close()
	eng, _ := isr.New(isr.Options{Store: st})
	defer eng.Close()
	m := metrics.New(metrics.Options{})
	defer m.Close()
	m.Response("/products/{id}", []string{"HIT"}, 200, 100)

	h := inspector.New(inspector.Options{
		Metrics: m, Store: st, Engine: eng,
		Revalidate: func(ctx context.Context, paths, tags []string, mode cache.Mode) (isr.Invalidation, error) {
			return eng.Revalidate(ctx, paths, tags, mode)
		},
		CheckOrigin: func(r *http.Request) error { return action.CheckOrigin(r, action.OriginConfig{}) },
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", inspector.Path, nil))
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `data-route="/products/{id}"`))
	// Output: 200 true
}
