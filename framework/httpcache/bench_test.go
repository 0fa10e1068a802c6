package httpcache_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/httpcache"
)

type discard struct{ h http.Header }

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(b []byte) (int, error) { return len(b), nil }
func (w *discard) WriteHeader(int)             {}

// BenchmarkWrite writes a cached 16 KB page in each encoding, and a 304.
func BenchmarkWrite(b *testing.B) {
	e := entry(strings.Repeat("<p>a line of a page</p>\n", 700), 200)
	httpcache.Encode(e)
	policy := httpcache.NewPolicy(time.Minute, httpcache.NoKeys)
	for _, tt := range []struct{ name, ae, inm string }{
		{"identity", "", ""}, {"gzip", "gzip, br;q=0", ""}, {"br", "gzip, br", ""}, {"304", "gzip, br", `"x", ` + http.Header(e.Header)["Etag"][2]},
	} {
		b.Run(tt.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/p", nil)
			if tt.ae != "" {
				r.Header.Set("Accept-Encoding", tt.ae)
			}
			if tt.inm != "" {
				r.Header.Set("If-None-Match", tt.inm)
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				policy.Write(w, r, e, []string{"HIT"})
			}
		})
	}
}
