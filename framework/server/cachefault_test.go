package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
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

	_ "github.com/mattn/go-sqlite3"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/none"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/server"
)

// TestCacheFaultWhileRunning breaks the cache's file system under a
// running app, for real: a small tmpfs filled to the last byte, and an
// ext4 image on a loop device that the kernel turns read-only after an
// error (errors=remount-ro), with the cache file open. Pages are served
// all the same, a page never rendered before renders and answers 200, a
// purchase answers as usual (not 500) and another visitor no longer gets
// the old page as fresh.
func TestCacheFaultWhileRunning(t *testing.T) {
	tests := []struct {
		name  string
		mount func(t *testing.T) (dir string, fault func(t *testing.T))
	}{
		{"full disk", func(t *testing.T) (string, func(t *testing.T)) {
			dir := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
				t.Fatalf("mount: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
			return dir, func(t *testing.T) { fillDisk(t, dir) }
		}},
		{"read-only while running", mountExt4},
		{"another program holds the write lock past the busy timeout", func(t *testing.T) (string, func(t *testing.T)) {
			dir := t.TempDir()
			return dir, func(t *testing.T) { holdWriteLock(t, filepath.Join(dir, "cache.db")) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, fault := tt.mount(t)
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
			// The store's checkpoint truncates the WAL: the next commit has
			// to allocate, which a full disk refuses.
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the WAL was never truncated")
				}
			}
			fault(t)

			// Plain GETs from here: the harness's get waits for the store
			// writes, which a held lock delays by its busy timeout.
			if r, body := getNow(t, h.url+"/products/2"); r.StatusCode != http.StatusOK || !strings.Contains(body, `id="name"`) {
				t.Errorf("a page never rendered before: %d %s, want 200 and the page", r.StatusCode, body)
			}
			resp, body := h.post(t, nil, "/products/1?/buy", h.url, "", "quantity=1")
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("buy: %d %s, want 303", resp.StatusCode, body)
			}
			// The invalidation may already have been regenerated in the
			// background (a HIT of the new page is right then); the old
			// stock as fresh is not.
			r, body := getNow(t, h.url+"/products/1")
			if r.StatusCode != http.StatusOK {
				t.Fatalf("the product after the purchase: %d, want 200", r.StatusCode)
			}
			if state := r.Header.Get("X-Gox-Cache"); state == "HIT" && strings.Contains(body, stockBefore) {
				t.Errorf("another visitor after the purchase: HIT with the stock before it (%s), want the page no longer fresh", stockBefore)
			}
		})
	}
}

// getNow GETs url and returns the answer, without waiting for the store
// writes of its render.
func getNow(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// holdWriteLock takes the write lock of the SQLite file at path, as
// another program's long transaction would, until t ends.
func holdWriteLock(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); db.Close() })
	for _, q := range []string{"BEGIN IMMEDIATE", "CREATE TABLE other_program(x)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// fillDisk writes a file into dir until its file system is full.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// mountExt4 mounts a new ext4 image with errors=remount-ro; its fault asks
// the kernel to report an error on it (ext4's trigger_fs_error), after
// which the file system is read-only, open files included.
func mountExt4(t *testing.T) (string, func(t *testing.T)) {
	t.Helper()
	img := filepath.Join(t.TempDir(), "ext4.img")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"truncate", "-s", "16M", img},
		{"mkfs.ext4", "-q", img},
		{"mount", "-o", "loop,errors=remount-ro", img, dir},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir, func(t *testing.T) {
		t.Helper()
		dev := mountDevice(t, dir)
		knob := "/sys/fs/ext4/" + filepath.Base(dev) + "/trigger_fs_error"
		if err := os.WriteFile(knob, []byte("gox test\n"), 0); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
			t.Fatalf("after the error, a write gave %v, want EROFS", err)
		}
	}
}

// mountDevice returns the device mounted at dir, from /proc/mounts.
func mountDevice(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 1 && f[1] == dir {
			return f[0]
		}
	}
	t.Fatalf("%s is not in /proc/mounts", dir)
	return ""
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
