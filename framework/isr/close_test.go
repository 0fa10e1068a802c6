package isr_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

// lateStore is a leasing store whose reads wait at gate once a lease is
// taken, and which counts the releases it gets after it is closed.
type lateStore struct {
	*memory.Store
	leased  atomic.Bool
	gate    chan struct{}
	reading chan struct{} // closed when a read first waits at gate
	once    sync.Once
	closed  atomic.Bool
	late    atomic.Int64
}

func (s *lateStore) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	held, err := s.Store.Lease(ctx, key, owner, ttl)
	if held {
		s.leased.Store(true)
	}
	return held, err
}

func (s *lateStore) Get(ctx context.Context, key string) (cache.Lookup, error) {
	if s.leased.Load() {
		s.once.Do(func() { close(s.reading) })
		<-s.gate
	}
	return s.Store.Get(ctx, key)
}

func (s *lateStore) Release(ctx context.Context, key, owner string) error {
	if s.closed.Load() {
		s.late.Add(1)
	}
	return s.Store.Release(ctx, key, owner)
}

// TestNoReleaseAfterClose: a request's render that ends after Close
// returned (Close does not wait for requests) leaves its lease to lapse
// rather than call a store the server has closed since.
func TestNoReleaseAfterClose(t *testing.T) {
	t.Parallel()
	st := &lateStore{Store: memory.New(), gate: make(chan struct{}), reading: make(chan struct{})}
	e, err := isr.New(isr.Options{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Register("/p", func(context.Context, route.Key, map[string]string) (isr.Result, error) {
		return isr.Result{Status: 200, Body: []byte("page")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		_, _, err := e.Serve(context.Background(), isr.Job{Route: r, Key: "/p"})
		served <- err
	}()
	<-st.reading // the request holds the lease and reads the key again
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st.closed.Store(true)
	close(st.gate)
	if err := <-served; err == nil {
		t.Fatal("a render that ended after Close succeeded")
	}
	// Close again waits for any release the late render started.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.late.Load(); n != 0 {
		t.Fatalf("%d lease releases after the store was closed, want 0", n)
	}
}
