package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/server"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the handler and not the recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchApp(b *testing.B, memory int64) http.Handler {
	file, err := sqlite.Open(filepath.Join(b.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st, err := tiered.New(file, tiered.Options{MemoryBytes: memory})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	app, err := server.New(testapp.New().Routes(), server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	return app.Handler()
}

func benchServe(b *testing.B, h http.Handler, path, encoding string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	h.ServeHTTP(&discardWriter{h: http.Header{}}, req) // render and store
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHit serves a cached 16 KB page from the memory tier.
func BenchmarkHit(b *testing.B) {
	for _, enc := range []string{"identity", "br"} {
		b.Run(enc, func(b *testing.B) { benchServe(b, benchApp(b, 0), "/big", enc) })
	}
}

// BenchmarkHitSQLite serves the page from SQLite, the memory tier off.
func BenchmarkHitSQLite(b *testing.B) { benchServe(b, benchApp(b, -1), "/big", "identity") }

// BenchmarkBare is the baseline: a bare handler writing the same bytes.
func BenchmarkBare(b *testing.B) {
	body := make([]byte, 16<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	benchServe(b, h, "/big", "")
}
