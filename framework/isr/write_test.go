package isr_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/isr"
)

// TestMissDoesNotWaitForTheStore: while another program holds the SQLite
// write lock, a miss is rendered once for all its waiters and served at
// once; the write lands when the lock is released, before Close returns.
func TestMissDoesNotWaitForTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	st := openStore(t, path)
	e := newEngine(t, st, isr.Options{})

	other, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"BEGIN IMMEDIATE", "CREATE TABLE other_program(x)", "INSERT INTO other_program VALUES (1)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	p := &page{body: "v1", gate: make(chan struct{})}
	j := job(e, "/locked", p)
	const n = 20
	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for range n {
		wg.Go(func() {
			b, _ := serve(t, e, j)
			bodies <- b
		})
	}
	eventually(t, "the render started", func() bool { return p.renders.Load() == 1 })
	close(p.gate)
	wg.Wait() // every waiter is answered while the lock is still held
	close(bodies)
	for b := range bodies {
		if b != "v1 /locked" {
			t.Fatalf("body = %q, want %q", b, "v1 /locked")
		}
	}
	if b, s := serve(t, e, j); b != "v1 /locked" || s != isr.Hit {
		t.Fatalf("request while the write waits: %q %s, want the page HIT", b, s)
	}
	if got := p.renders.Load(); got != 1 {
		t.Fatalf("renders = %d, want 1", got)
	}
	if _, err := st.Get(ctx, "/locked"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("store while locked: err = %v, want ErrNotFound (the write waits for the lock)", err)
	}

	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := st.Get(ctx, "/locked")
	if err != nil || string(l.Entry.Body) != "v1 /locked" {
		t.Fatalf("store after the lock and Close: %v, err %v; want the page", l.Entry, err)
	}
}

// slowStore holds every Put until release is closed.
type slowStore struct {
	cache.Store
	release chan struct{}
	mu      sync.Mutex
	puts    []string // bodies, in the order they were stored
}

func (s *slowStore) Put(ctx context.Context, e *cache.Entry) error {
	<-s.release
	s.mu.Lock()
	s.puts = append(s.puts, string(e.Body))
	s.mu.Unlock()
	return s.Store.Put(ctx, e)
}

func newSlowStore(t *testing.T) *slowStore {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return &slowStore{Store: st, release: make(chan struct{})}
}

// TestWritesLandInRenderOrder: a key's renders reach the store in the
// order they were made, however long each write waits.
func TestWritesLandInRenderOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSlowStore(t)
	e := newEngine(t, st, isr.Options{})
	p := &page{}
	j := job(e, "/order", p)
	for _, v := range []string{"v1", "v2", "v3"} {
		p.set(func(p *page) { p.body = v })
		if _, err := e.Regenerate(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	if b, s := serve(t, e, j); b != "v3 /order" || s != isr.Hit {
		t.Fatalf("while the writes wait: %q %s, want the last render HIT", b, s)
	}
	close(st.release)
	e.WaitWrites()
	st.mu.Lock()
	got := st.puts
	st.mu.Unlock()
	if want := []string{"v1 /order", "v2 /order", "v3 /order"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("puts = %q, want %q", got, want)
	}
	if l, err := st.Get(ctx, "/order"); err != nil || string(l.Entry.Body) != "v3 /order" {
		t.Fatalf("stored %v, err %v; want the last render", l.Entry, err)
	}
}

// TestInvalidationCoversAPendingWrite: an invalidation that comes while a
// render is on its way to the store covers it as if it were stored.
func TestInvalidationCoversAPendingWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSlowStore(t)
	e := newEngine(t, st, isr.Options{EagerBudget: -1})
	p := &page{body: "v1", tags: []string{"t"}}
	j := job(e, "/pending", p)
	serve(t, e, j) // its write waits
	inv, err := e.RevalidateTags(ctx, []string{"t"}, cache.Expire)
	if err != nil || inv.Entries != 1 {
		t.Fatalf("RevalidateTags = %+v, %v; want the pending entry covered", inv, err)
	}
	p.set(func(p *page) { p.body = "v2" })
	if b, s := serve(t, e, j); b != "v2 /pending" || s != isr.Expired {
		t.Fatalf("after expire: %q %s, want %q EXPIRED", b, s, "v2 /pending")
	}
	close(st.release)
	e.WaitWrites()
	if b, s := serve(t, e, j); b != "v2 /pending" || s != isr.Hit {
		t.Fatalf("after the writes: %q %s, want %q HIT", b, s, "v2 /pending")
	}
}
