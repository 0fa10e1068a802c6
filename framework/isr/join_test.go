package isr_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

// TestJoinedOlderRenderIsNotEnough: a caller that must get a render newer
// than something (an expiry, its own Regenerate call) and finds a render of
// its key under way, begun before that, does not take that render's page:
// it gets a render of its own.
func TestJoinedOlderRenderIsNotEnough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(e *isr.Engine, j isr.Job) (*cache.Entry, error)
	}{
		{"expired", func(e *isr.Engine, j isr.Job) (*cache.Entry, error) {
			if _, err := e.RevalidateTags(context.Background(), []string{"t"}, cache.Expire); err != nil {
				return nil, err
			}
			ent, state, err := e.Serve(context.Background(), j)
			if err == nil && state != isr.Expired {
				err = fmt.Errorf("state %v, want EXPIRED", state)
			}
			return ent, err
		}},
		{"regenerate", func(e *isr.Engine, j isr.Job) (*cache.Entry, error) {
			return e.Regenerate(context.Background(), j)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, openStore(t, ""), isr.Options{EagerBudget: -1})
			var version atomic.Int64
			version.Store(1)
			var hold atomic.Pointer[chan struct{}]
			started := make(chan struct{}, 1)
			r, err := e.Register("/p", func(ctx context.Context, key route.Key, _ map[string]string) (isr.Result, error) {
				v := version.Load() // the data, read before the render goes on
				if g := hold.Load(); g != nil {
					started <- struct{}{}
					<-*g
				}
				return isr.Result{Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/html"}},
					Body: fmt.Appendf(nil, "v%d", v), Tags: []string{"t"}, Revalidate: time.Millisecond}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			j := isr.Job{Route: r, Key: "/p"}
			if _, _, err := e.Serve(context.Background(), j); err != nil {
				t.Fatal(err)
			}
			e.WaitWrites()
			time.Sleep(5 * time.Millisecond) // past its freshness
			gate := make(chan struct{})
			hold.Store(&gate)
			if _, state, err := e.Serve(context.Background(), j); err != nil || state != isr.Stale {
				t.Fatalf("stale serve: %v %v", state, err)
			}
			<-started // the background render read v1 and waits
			hold.Store(nil)
			version.Store(2)
			type result struct {
				ent *cache.Entry
				err error
			}
			done := make(chan result, 1)
			go func() {
				ent, err := tt.call(e, j)
				done <- result{ent, err}
			}()
			// Give the call time to join the render under way; one that
			// has not joined yet renders v2 by itself, and the test passes
			// without proving anything, never the other way round.
			time.Sleep(100 * time.Millisecond)
			close(gate)
			got := <-done
			if got.err != nil {
				t.Fatal(got.err)
			}
			if string(got.ent.Body) != "v2" {
				t.Errorf("got %q from a render begun before the call, want v2", got.ent.Body)
			}
		})
	}
}
