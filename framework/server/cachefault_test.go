package server_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/none"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/server"
)

// TestActionOnAFullDisk buys a product while the cache's file system is
// full (a real small tmpfs, filled): the purchase answers as usual, not
// 500, and another visitor no longer gets the old page as fresh.
func TestActionOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	path := filepath.Join(dir, "cache.db")
	file, err := sqlite.Open(path, sqlite.Options{PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tier, err := tiered.New(file, tiered.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tier.Close() })
	h := newHarnessWith(t, server.Config{}, func(cache.Store) cache.Store { return tier })
	h.get(t, "/products/1")
	if r, _ := h.get(t, "/products/1"); r.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("second GET: %s, want HIT", r.Header.Get("X-Gox-Cache"))
	}
	stockBefore := fmt.Sprintf(`<p id="stock">%d</p>`, h.fix.Product("1").Stock)
	// The store's checkpoint truncates the WAL: the next commit has to
	// allocate, which a full disk refuses.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the WAL was never truncated")
		}
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()

	resp, body := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("buy on a full disk: %d %s, want 303", resp.StatusCode, body)
	}
	// The invalidation may already have been regenerated in the background
	// (a HIT of the new page is right then); the old stock as fresh is not.
	r, body := h.get(t, "/products/1")
	if state := r.Header.Get("X-Gox-Cache"); state == "HIT" && strings.Contains(body, stockBefore) {
		t.Errorf("another visitor after the purchase: HIT with the stock before it (%s), want the page no longer fresh", stockBefore)
	}
}

// TestServeUncached serves from the store an app falls back to when its
// cache cannot be written: every page is served, nothing is kept, and
// requests for one page at once share one render.
func TestServeUncached(t *testing.T) {
	h := newHarnessWith(t, server.Config{}, func(cache.Store) cache.Store { return none.New("read-only") })
	gate := make(chan struct{})
	h.fix.SetGate(gate)
	const concurrent = 20
	codes := make(chan int, concurrent)
	var wg sync.WaitGroup
	for range concurrent {
		wg.Go(func() {
			resp, err := http.Get(h.url + "/products/1")
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	// Let the requests reach the render before it may finish.
	for deadline := time.Now().Add(10 * time.Second); h.fix.Renders.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a request got %d, want 200", c)
		}
	}
	// 1, or a few on a loaded machine where a request arrived only
	// after the first render ended; one per request without the flight.
	if n := h.fix.Renders.Load(); n < 1 || n > 3 {
		t.Errorf("%d renders for %d requests at once, want 1", n, concurrent)
	}
	before := h.fix.Renders.Load()
	r, _ := h.get(t, "/products/1")
	if r.StatusCode != http.StatusOK || h.fix.Renders.Load() != before+1 {
		t.Errorf("a later request: %d after %d renders, want 200 and a render of its own (nothing kept)", r.StatusCode, h.fix.Renders.Load()-before)
	}
}
