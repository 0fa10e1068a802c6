package isr_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

func TestPathInvalidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		mode  cache.Mode
		key   string
		state isr.State // what requests right after the invalidation get
		body  string
	}{
		{"revalidate", cache.Stale, "/p", isr.Stale, "v1 /p"},
		{"revalidate with query", cache.Stale, "/p?page=2", isr.Stale, "v1 /p?page=2"},
		{"expire", cache.Expire, "/p", isr.Expired, "v2 /p"},
		{"expire with query", cache.Expire, "/p?page=2", isr.Expired, "v2 /p?page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			// No eager regeneration: it could land before the first
			// request, which then gets a HIT, not what this test is about.
			e := newEngine(t, openStore(t, ""), isr.Options{EagerBudget: -1})
			p, other := &page{body: "v1"}, &page{body: "v1"}
			j, sibling := job(e, tt.key, p), job(e, "/p/1", other)
			serve(t, e, j)
			serve(t, e, sibling)
			p.set(func(p *page) {
				p.body = "v2"
				if tt.mode == cache.Stale {
					// Hold the background regeneration so every request
					// below finds it in flight.
					p.gate = make(chan struct{})
				}
			})
			inv, err := e.RevalidatePaths(ctx, []string{"/p"}, tt.mode)
			if err != nil || inv.Entries != 1 {
				t.Fatalf("RevalidatePaths = %+v, %v; want 1 entry", inv, err)
			}
			if b, s := serve(t, e, j); b != tt.body || s != tt.state {
				t.Fatalf("first request: %q %s, want %q %s", b, s, tt.body, tt.state)
			}
			if tt.mode == cache.Stale {
				for range 5 {
					if b, s := serve(t, e, j); b != tt.body || s != tt.state {
						t.Fatalf("during the regeneration: %q %s, want %q %s", b, s, tt.body, tt.state)
					}
				}
				close(p.gate)
			}
			want := "v2 " + tt.key
			eventually(t, "fresh page served", func() bool { b, s := serve(t, e, j); return b == want && s == isr.Hit })
			if got := p.renders.Load(); got != 2 {
				t.Fatalf("renders = %d, want 2 (the first and one regeneration)", got)
			}
			if b, s := serve(t, e, sibling); b != "v1 /p/1" || s != isr.Hit || other.renders.Load() != 1 {
				t.Fatalf("/p/1: %q %s after %d renders, want it untouched", b, s, other.renders.Load())
			}
		})
	}
}

// TestEagerResolvesItsOwnKeys: the engine matches the keys an
// invalidation covers against its registered patterns, renders them with
// the params of their path, and queues no more than its budget.
func TestEagerResolvesItsOwnKeys(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]string{} // key -> id param of its latest render
	render := func(_ context.Context, key route.Key, params map[string]string) (isr.Result, error) {
		mu.Lock()
		seen[string(key)] = params["id"]
		mu.Unlock()
		return isr.Result{Status: 200, Body: []byte("item " + params["id"]), Tags: []string{"items"}}, nil
	}
	e := newEngine(t, openStore(t, ""), isr.Options{EagerBudget: 2})
	items, err := e.Register("/items/{id}", render)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Register("/items/{id}", render); err == nil {
		t.Fatal("registering a pattern twice succeeded")
	}
	keys := []route.Key{"/items/1", "/items/2", "/items/3?page=2"}
	for i, k := range keys {
		for range 3 - i { // /items/1 is the most requested
			if _, _, err := e.Serve(context.Background(), isr.Job{Route: items, Key: k, Params: map[string]string{"id": "x"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	mu.Lock()
	clear(seen)
	mu.Unlock()
	inv, err := e.RevalidateTags(context.Background(), []string{"items"}, cache.Stale)
	if err != nil || inv.Entries != 3 || inv.Scheduled != 2 {
		t.Fatalf("RevalidateTags = %+v, %v; want 3 entries, 2 scheduled", inv, err)
	}
	eventually(t, "two eager renders", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]string{"/items/1": "1", "/items/2": "2"}; !maps.Equal(seen, want) {
		t.Fatalf("eager renders (key -> id param) = %v, want %v", seen, want)
	}
}
