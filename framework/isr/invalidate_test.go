package isr_test

import (
	"context"
	"testing"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
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
			e := newEngine(t, openStore(t, ""), isr.Options{})
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
