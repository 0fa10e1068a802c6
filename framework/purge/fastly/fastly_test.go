package fastly_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/purge/fastly"
)

// apiCall is what the local Fastly API saw of one request.
type apiCall struct {
	Method, Path, Key, SurrogateKey, Soft string
	Body                                  int64
}

// fakeAPI is a local HTTP server standing in for Fastly's API, which is
// remote: it records each request and answers with status(n).
func fakeAPI(t *testing.T, status func(n int) int) (*httptest.Server, func() []apiCall) {
	var mu sync.Mutex
	var calls []apiCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, apiCall{r.Method, r.URL.Path, r.Header.Get("Fastly-Key"), r.Header.Get("Surrogate-Key"), r.Header.Get("Fastly-Soft-Purge"), r.ContentLength})
		n := len(calls)
		mu.Unlock()
		code := status(n)
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(code)
		if code == http.StatusOK {
			w.Write([]byte(`{"product-1":"108-1391560174-974124"}`))
		} else {
			w.Write([]byte("{\"msg\":\"nope\\n\"}\n\x1b[31m"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []apiCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]apiCall(nil), calls...)
	}
}

func TestPurgeRequests(t *testing.T) {
	t.Parallel()
	srv, calls := fakeAPI(t, func(int) int { return 200 })
	p := &fastly.Purger{ServiceID: "SU1Z0isxPaozGVKXdv0eY", Token: "secret-token", Endpoint: srv.URL + "/"}
	ctx := context.Background()
	if err := p.Purge(ctx, []string{"product-1", "gox-p-00ff"}, true); err != nil {
		t.Fatal(err)
	}
	if err := p.Purge(ctx, []string{"nav"}, false); err != nil {
		t.Fatal(err)
	}
	want := []apiCall{
		{"POST", "/service/SU1Z0isxPaozGVKXdv0eY/purge", "secret-token", "product-1 gox-p-00ff", "1", 0},
		{"POST", "/service/SU1Z0isxPaozGVKXdv0eY/purge", "secret-token", "nav", "", 0},
	}
	if d := cmp.Diff(want, calls()); d != "" {
		t.Errorf("API calls (-want +got):\n%s", d)
	}
	if p.Name() != "fastly" || p.MaxKeys() != 256 {
		t.Errorf("Name %q, MaxKeys %d", p.Name(), p.MaxKeys())
	}
}

func TestPurgeErrors(t *testing.T) {
	t.Parallel()
	srv, _ := fakeAPI(t, func(int) int { return 429 })
	p := &fastly.Purger{ServiceID: "s", Token: "secret-token", Endpoint: srv.URL}
	err := p.Purge(context.Background(), []string{"k"}, false)
	se, ok := err.(*purge.StatusError)
	if !ok || se.Code != 429 || se.RetryAfter != time.Second || strings.ContainsAny(se.Body, "\n\x1b") {
		t.Fatalf("error %#v, want a 429 StatusError with Retry-After and a printable body", err)
	}
	down := &fastly.Purger{ServiceID: "s", Token: "t", Endpoint: "http://127.0.0.1:1"}
	if err := down.Purge(context.Background(), []string{"k"}, false); err == nil {
		t.Fatal("purge through a closed port succeeded")
	}
}

// Through a Queue: a failing API is retried until it answers, and the
// token never reaches the log.
func TestQueueRetriesFastly(t *testing.T) {
	t.Parallel()
	srv, calls := fakeAPI(t, func(n int) int {
		if n <= 2 {
			return 503
		}
		return 200
	})
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}), nil))
	q := purge.NewQueue([]purge.Purger{&fastly.Purger{ServiceID: "s", Token: "secret-token", Endpoint: srv.URL}},
		purge.Options{Logger: log, RetryBase: time.Millisecond, LogEvery: time.Nanosecond})
	q.Add([]string{"product-1"}, true)
	deadline := time.Now().Add(5 * time.Second)
	for q.Stats()[0].Calls == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	q.Close()
	if st := q.Stats()[0]; st.Calls != 1 || st.Failures != 2 || len(calls()) != 3 {
		t.Fatalf("stats %+v after %d API calls, want one call after two failures", st, len(calls()))
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "HTTP 503") || strings.Contains(buf.String(), "secret-token") {
		t.Fatalf("log:\n%s\nwant the failures, never the token", buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
