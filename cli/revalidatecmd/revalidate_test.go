package revalidatecmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/cli/goxcli"
	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// shop is a gox app with one cached page, /products/{id}, tagged
// product-{id}, served on 127.0.0.1.
type shop struct {
	url   string
	store cache.Store
	mu    sync.Mutex
	stock map[string]int
}

func newShop(t *testing.T, token string) *shop {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &shop{store: st, stock: map[string]int{"1": 10, "2": 3}}
	product := func(c *gox.Ctx) (templ.Component, error) {
		s.mu.Lock()
		n, ok := s.stock[c.Param("id")]
		s.mu.Unlock()
		if !ok {
			return nil, gox.NotFound
		}
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := fmt.Fprintf(w, `<p id="stock">%d</p>`, n)
			return err
		}), nil
	}
	routes := page.Routes{Pages: []page.Page{{
		Pattern: "/products/{id}", Render: product, Revalidate: time.Hour,
		Tags: func(p gox.Params) []string { return []string{"product-" + p.Get("id")} },
	}}}
	// A request that must wait for a page whose lease another process
	// holds (see TestRevalidateAgainstRunningApp) waits 50 ms for it, then
	// renders itself.
	app, err := server.New(routes, server.Config{Store: st, RevalidateToken: token, Logger: slog.New(slog.DiscardHandler),
		Engine: isr.Options{LeaseWait: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	s.url = srv.URL
	return s
}

func (s *shop) setStock(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stock[id] = n
}

// get returns the X-Gox-Cache state and body of path.
func (s *shop) get(t *testing.T, path string) (string, string) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("X-Gox-Cache"), string(b)
}

// runGox runs the gox command line and returns its exit code and output.
func runGox(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = goxcli.Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRevalidateAgainstRunningApp runs gox revalidate against a real app
// and checks what it prints and what the app then serves. The token comes
// from the environment, so the cases run one after another.
func TestRevalidateAgainstRunningApp(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantState  string // of the next GET of /products/1
		wantStock  int
		wantOthers string // of the next GET of /products/2
	}{
		{"tag", []string{"--tag", "product-1"},
			"revalidated 0 paths and 1 tag (stale): 1 cached entry\n", "STALE", 10, "HIT"},
		{"tag and path of one page", []string{"--tag", "product-1", "--path", "/products/1"},
			"revalidated 1 path and 1 tag (stale): 1 cached entry\n", "STALE", 10, "HIT"},
		{"two tags", []string{"--tag", "product-1", "--tag", "product-2"},
			"revalidated 0 paths and 2 tags (stale): 2 cached entries\n", "STALE", 10, "STALE"},
		{"path with a trailing slash", []string{"--path", "/products/1/"},
			"revalidated 1 path and 0 tags (stale): 1 cached entry\n", "STALE", 10, "HIT"},
		{"expire", []string{"--path", "/products/1", "--expire"},
			"revalidated 1 path and 0 tags (expire): 1 cached entry\n", "EXPIRED", 9, "HIT"},
		{"path no route serves", []string{"--path", "/products/1", "--path", "/no/such/route"},
			"revalidated 1 path and 0 tags (stale): 1 cached entry\nno route serves /no/such/route: not revalidated\n", "STALE", 10, "HIT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOX_REVALIDATE_TOKEN", "s3cret")
			s := newShop(t, "s3cret")
			s.get(t, "/products/1")
			s.get(t, "/products/2")
			// Another process holds the regeneration leases, so gox's eager
			// regeneration leaves the pages as the revalidation left them.
			// (The app gives back the lease of its own first render once
			// that render's write has landed.)
			for _, k := range []string{"/products/1", "/products/2"} {
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
					ok, err := s.store.(cache.Leaser).Lease(context.Background(), k, "other-process", time.Hour)
					if err != nil {
						t.Fatalf("lease %s: %v", k, err)
					}
					if ok {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("lease %s: still held after 5 s", k)
					}
				}
			}
			s.setStock("1", 9)
			code, out, errOut := runGox(append([]string{"revalidate", "--url", s.url}, tt.args...)...)
			if code != 0 || out != tt.wantOut {
				t.Fatalf("gox revalidate exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, tt.wantOut)
			}
			state, body := s.get(t, "/products/1")
			if want := fmt.Sprintf(`<p id="stock">%d</p>`, tt.wantStock); state != tt.wantState || !strings.Contains(body, want) {
				t.Fatalf("next GET: %s %q, want %s with %s", state, body, tt.wantState, want)
			}
			if state, _ := s.get(t, "/products/2"); state != tt.wantOthers {
				t.Fatalf("other page: %s, want %s", state, tt.wantOthers)
			}
		})
	}
}

// TestRevalidateRefused: a refused revalidation exits 1 saying why, with
// a hint when there is something to do, and changes nothing.
func TestRevalidateRefused(t *testing.T) {
	tests := []struct {
		name, appToken, cliToken, path string
		wantErr, wantHint              string
	}{
		{"wrong token", "s3cret", "nope", "/products/1", "refused the token (401)", "GOX_REVALIDATE_TOKEN must match the app's"},
		{"no token configured", "", "s3cret", "/products/1", "no revalidation endpoint (404)", "start the app with GOX_REVALIDATE_TOKEN set"},
		{"relative path", "s3cret", "s3cret", "products/1", `400 Bad Request: path "products/1": not absolute`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOX_REVALIDATE_TOKEN", tt.cliToken)
			s := newShop(t, tt.appToken)
			s.get(t, "/products/1")
			s.setStock("1", 9)
			code, out, errOut := runGox("revalidate", "--url", s.url, "--tag", "product-1", "--path", tt.path, "--expire")
			if code != 1 || out != "" || !strings.Contains(errOut, tt.wantErr) || (tt.wantHint != "" && !strings.Contains(errOut, "hint: "+tt.wantHint)) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 1 saying %q with hint %q", code, out, errOut, tt.wantErr, tt.wantHint)
			}
			if strings.Contains(errOut, tt.cliToken) {
				t.Fatal("the error shows the token")
			}
			if state, body := s.get(t, "/products/1"); state != "HIT" || !strings.Contains(body, `<p id="stock">10</p>`) {
				t.Fatalf("after a refused revalidation: %s %q, want HIT of the old page", state, body)
			}
		})
	}
}
