package isr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

// downStore is a store whose every call fails, as a Redis that cannot be
// reached does, and that leases like a shared store.
type downStore struct{ *memory.Store }

var errDown = errors.New("store unreachable")

func (downStore) Get(context.Context, string) (cache.Lookup, error) { return cache.Lookup{}, errDown }
func (downStore) Put(context.Context, *cache.Entry) error           { return errDown }
func (downStore) Lease(context.Context, string, string, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) Release(context.Context, string, string) error { return errDown }

// TestStoreDownLogsOnceASecond: with the store down every page is still
// served (rendered, not kept), and 200 requests for 200 pages cost a few
// log lines, not one or three per request.
func TestStoreDownLogsOnceASecond(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	e := newEngine(t, downStore{memory.New()}, isr.Options{Logger: logs.logger()})
	r, err := e.Register("/p/{id}", func(_ context.Context, key route.Key, _ map[string]string) (isr.Result, error) {
		return isr.Result{Status: 200, Body: []byte("page " + string(key))}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		id := fmt.Sprint(i)
		ent, state, err := e.Serve(context.Background(), isr.Job{Route: r, Key: route.Key("/p/" + id), Params: map[string]string{"id": id}})
		if err != nil || state != isr.Miss || string(ent.Body) != "page /p/"+id {
			t.Fatalf("request %d with the store down: %v %s %v; want the page rendered", i, ent, state, err)
		}
	}
	e.WaitWrites()
	if n := strings.Count(logs.String(), "\n"); n > 10 {
		t.Fatalf("%d log lines for 200 requests with the store down, want a few:\n%s", n, logs.String())
	}
}

// TestStoreFaultKindsLogApart: each kind of store fault has its own line
// a second: a failed read does not hide the failed lease and the failed
// write that follow it within the same request.
func TestStoreFaultKindsLogApart(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	e := newEngine(t, downStore{memory.New()}, isr.Options{Logger: logs.logger()})
	r, err := e.Register("/p", func(context.Context, route.Key, map[string]string) (isr.Result, error) {
		return isr.Result{Status: 200, Body: []byte("page")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := e.Serve(context.Background(), isr.Job{Route: r, Key: "/p"}); err != nil {
			t.Fatal(err)
		}
	}
	e.WaitWrites()
	for _, msg := range []string{"isr cache read failed", "isr lease failed", "isr store failed"} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("no line of %q:\n%s", msg, logs.String())
		}
	}
}
