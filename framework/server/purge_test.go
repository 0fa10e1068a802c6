package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/purge/fastly"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/wire"
)

// fastlyAPI is a local HTTP server standing in for Fastly's API (remote):
// it records the keys and softness of each purge.
type fastlyAPI struct {
	mu    sync.Mutex
	calls []string
}

func (f *fastlyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	soft := ""
	if r.Header.Get("Fastly-Soft-Purge") == "1" {
		soft = "soft "
	}
	f.calls = append(f.calls, soft+r.Header.Get("Surrogate-Key"))
	w.Write([]byte("{}"))
}

func (f *fastlyAPI) take(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		if len(f.calls) >= n || time.Now().After(deadline) {
			c := f.calls
			f.calls = nil
			f.mu.Unlock()
			return c
		}
		f.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

// Every invalidation this app makes is purged once: the facade's verbs, an
// action, the revalidation endpoint and x-prerender-revalidate; and the
// pages carry the keys the purges name.
func TestEveryInvalidationIsPurgedOnce(t *testing.T) {
	t.Parallel()
	api := &fastlyAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	h := newHarness(t, server.Config{
		RevalidateToken: "tok",
		CDNKeys:         httpcache.SurrogateKey,
		Purgers:         []purge.Purger{&fastly.Purger{ServiceID: "svc", Token: "t", Endpoint: srv.URL}},
	})
	resp, _ := h.get(t, "/products/1")
	p1 := httpcache.PathKey("/products/1")
	if got, want := resp.Header.Get("Surrogate-Key"), p1+" product-1 product-list"; got != want {
		t.Fatalf("Surrogate-Key %q, want %q", got, want)
	}
	if resp.Header.Get("Cache-Tag") != "" {
		t.Fatal("Cache-Tag sent without being asked for")
	}
	ctx := context.Background()

	if _, err := h.app.Revalidate(ctx, []string{"/products/2/"}, []string{"nav"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	want := []string{"soft gox-overflow " + httpcache.PathKey("/products/2") + " nav"} // sorted
	if d := cmp.Diff(want, api.take(t, 1)); d != "" {
		t.Errorf("App.Revalidate purges (-want +got):\n%s", d)
	}

	if _, err := h.app.Revalidate(ctx, nil, []string{"product-list"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"gox-overflow product-list"}, api.take(t, 1)); d != "" {
		t.Errorf("expire purges (-want +got):\n%s", d)
	}

	resp, _ = h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("action: %d", resp.StatusCode)
	}
	if d := cmp.Diff([]string{"soft gox-overflow product-1"}, api.take(t, 1)); d != "" {
		t.Errorf("action purges (-want +got):\n%s", d)
	}

	req, _ := http.NewRequest(http.MethodPost, h.url+wire.RevalidatePath, strings.NewReader(`{"paths":["/products/1","/nowhere/x/y"],"mode":"expire"}`))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revalidate endpoint: %v %v", resp, err)
	}
	if d := cmp.Diff([]string{p1}, api.take(t, 1)); d != "" {
		t.Errorf("endpoint purges (-want +got):\n%s", d)
	}

	if resp, _ := h.get(t, "/products/1", "x-prerender-revalidate: tok"); resp.Header.Get("X-Gox-Cache") != "REVALIDATED" {
		t.Fatalf("x-prerender-revalidate: %s", resp.Header.Get("X-Gox-Cache"))
	}
	if d := cmp.Diff([]string{"soft " + p1}, api.take(t, 1)); d != "" {
		t.Errorf("x-prerender-revalidate purges (-want +got):\n%s", d)
	}

	// A refused revalidation purges nothing.
	if resp, _ := h.get(t, "/products/1", "x-prerender-revalidate: wrong"); resp.StatusCode != 401 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	time.Sleep(50 * time.Millisecond)
	if got := api.take(t, 0); len(got) != 0 {
		t.Errorf("a refused revalidation purged %q", got)
	}
}

func TestConfigFromEnvCDN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		keys     httpcache.CDNKeys
		purgers  []string
		errorHas string
	}{
		{"nothing", nil, httpcache.NoKeys, nil, ""},
		{"keys alone", map[string]string{"GOX_CDN_KEYS": "both"}, httpcache.BothKeys, nil, ""},
		{"fastly turns on Surrogate-Key", map[string]string{"GOX_PURGE_FASTLY_SERVICE": "s", "GOX_PURGE_FASTLY_TOKEN": "t"}, httpcache.SurrogateKey, []string{"fastly"}, ""},
		{"all three", map[string]string{
			"GOX_PURGE_FASTLY_SERVICE": "s", "GOX_PURGE_FASTLY_TOKEN": "t",
			"GOX_PURGE_CLOUDFLARE_ZONE": "z", "GOX_PURGE_CLOUDFLARE_TOKEN": "t",
			"GOX_PURGE_VARNISH": "http://10.0.0.5:6081, http://10.0.0.6:6081,",
		}, httpcache.BothKeys, []string{"fastly", "cloudflare", "varnish 10.0.0.5:6081", "varnish 10.0.0.6:6081"}, ""},
		{"unknown keys", map[string]string{"GOX_CDN_KEYS": "xkey"}, 0, nil, "GOX_CDN_KEYS"},
		{"service without token", map[string]string{"GOX_PURGE_FASTLY_SERVICE": "s"}, 0, nil, "go together"},
		{"token without zone", map[string]string{"GOX_PURGE_CLOUDFLARE_TOKEN": "secret"}, 0, nil, "go together"},
		{"varnish not a URL", map[string]string{"GOX_PURGE_VARNISH": "10.0.0.5:6081"}, 0, nil, "not an http"},
		{"varnish with credentials", map[string]string{"GOX_PURGE_VARNISH": "http://u:p@10.0.0.5"}, 0, nil, "not an http"},
		{"cloudflare without Cache-Tag", map[string]string{"GOX_CDN_KEYS": "surrogate", "GOX_PURGE_CLOUDFLARE_ZONE": "z", "GOX_PURGE_CLOUDFLARE_TOKEN": "t"}, 0, nil, "leaves out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := server.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errorHas) || !strings.Contains(err.Error(), "\nhint: ") {
					t.Fatalf("error %v, want one saying %q with a hint", err, tt.errorHas)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error %v shows a token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range cfg.Purgers {
				names = append(names, p.Name())
			}
			if cfg.CDNKeys != tt.keys || !cmp.Equal(names, tt.purgers) {
				t.Errorf("keys %v, purgers %q; want %v, %q", cfg.CDNKeys, names, tt.keys, tt.purgers)
			}
		})
	}
}
