package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/internal/syncbuf"
)

// logBuffer collects log lines written by other goroutines.
type logBuffer struct{ syncbuf.Buffer }

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, nil)), b
}

// mount mounts a tmpfs with the mount options opts on a new folder and
// unmounts it when t ends. The tests run as root (as CI does), for whom
// chmod does not make a folder read-only: a read-only or full file system
// is the real fault.
func mount(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs -o %s: %v: %s", opts, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// remount changes the mount options of a folder mount made.
func remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
}

func TestOpenSetsAsideDamagedFile(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 1024), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"header overwritten", func(t *testing.T, path string) {
			st, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Put(context.Background(), page("/a", "<h1>a</h1>")); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 100), 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "cache.db")
			tt.damage(t, path)
			damaged, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			log, logs := newLog()
			st, err := Open(path, Options{Logger: log})
			if err != nil {
				t.Fatalf("Open of a damaged file: %v", err)
			}
			defer st.Close()
			if err := st.Put(ctx, page("/b", "<h1>b</h1>")); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Get(ctx, "/b"); err != nil {
				t.Errorf("Get on the new file: %v", err)
			}
			aside, err := filepath.Glob(path + ".corrupt-*")
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, a := range aside {
				if !strings.HasSuffix(a, "-wal") && !strings.HasSuffix(a, "-shm") {
					kept = append(kept, a)
				}
			}
			if len(kept) != 1 {
				t.Fatalf("files set aside = %q, want one", aside)
			}
			if got, _ := os.ReadFile(kept[0]); !bytes.Equal(got, damaged) {
				t.Errorf("%s does not hold the damaged file", kept[0])
			}
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, kept[0]) {
				t.Errorf("log does not name the file set aside at WARN:\n%s", out)
			}
		})
	}
}

func TestOpenUnwritable(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the cache path
	}{
		{"read-only folder, no file", func(t *testing.T) string {
			return filepath.Join(mount(t, "ro,size=1m"), "cache.db")
		}},
		{"read-only folder, no parent", func(t *testing.T) string {
			return filepath.Join(mount(t, "ro,size=1m"), ".gox", "cache.db")
		}},
		{"existing file on a read-only file system", func(t *testing.T) string {
			dir := mount(t, "size=4m")
			path := filepath.Join(dir, "cache.db")
			st, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Put(context.Background(), page("/a", "<h1>a</h1>")); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			remount(t, dir, "ro")
			return path
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t)
			st, err := Open(path, Options{})
			if err == nil {
				st.Close()
				t.Fatal("Open on a read-only file system succeeded")
			}
			if !errors.Is(err, ErrUnwritable) {
				t.Errorf("Open error = %v, want ErrUnwritable", err)
			}
		})
	}
}

// fill writes a file into dir until its file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			break
		}
	}
	// The last partial blocks.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
	return name
}

// TestInvalidationOnAFullDisk invalidates a tag while the cache's file
// system is full (a real small tmpfs, filled): the invalidation does not
// fail, reads see it at once, a reload of the stamps from the file does
// not lose it, one WARN says so, and once there is room again it reaches
// the file, where other processes read it.
func TestInvalidationOnAFullDisk(t *testing.T) {
	tests := []struct {
		name       string
		invalidate func(st *Store, at time.Time) ([]string, error)
		mode       cache.Mode
	}{
		{"tags, stale", func(st *Store, at time.Time) ([]string, error) {
			return st.InvalidateTags(context.Background(), []string{"product-list"}, at, cache.Stale)
		}, cache.Stale},
		{"paths, expire", func(st *Store, at time.Time) ([]string, error) {
			return st.InvalidatePaths(context.Background(), []string{"/a"}, at, cache.Expire)
		}, cache.Expire},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := mount(t, "size=2m")
			path := filepath.Join(dir, "cache.db")
			log, logs := newLog()
			st, err := Open(path, Options{Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for _, e := range []*cache.Entry{page("/a", "<h1>a</h1>", "product-list"), page("/b", "<h1>b</h1>", "other")} {
				if err := st.Put(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			// An empty WAL: the next commit must allocate.
			if err := st.checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			filler := fill(t, dir)
			if err := st.Health(); err != nil {
				t.Fatalf("Health before the fault: %v", err)
			}
			if err := st.Put(ctx, page("/c", strings.Repeat("c", 64<<10))); err == nil {
				t.Fatal("a Put on a full disk succeeded: the fault is not real")
			}
			if err := st.Health(); !errors.Is(err, ErrWritesFailing) {
				t.Fatalf("Health on a full disk: %v, want ErrWritesFailing", err)
			}

			at := time.Now()
			keys, err := tt.invalidate(st, at)
			if err != nil {
				t.Fatalf("invalidation on a full disk: %v", err)
			}
			if len(keys) != 1 || keys[0] != "/a" {
				t.Errorf("covered keys = %q, want [/a]", keys)
			}
			if len(st.stamps.pendingCopy()) != 1 {
				t.Fatalf("pending stamps = %v, want the one whose write failed", st.stamps.pendingCopy())
			}
			check := func(when string) {
				t.Helper()
				for name, read := range map[string]func(context.Context, string) (cache.Lookup, error){"Get": st.Get, "Reload": st.Reload} {
					l, err := read(ctx, "/a")
					if err != nil {
						t.Fatalf("%s %s(/a): %v", when, name, err)
					}
					got := l.RevalidatedAt
					if tt.mode == cache.Expire {
						got = l.ExpiredAt
					}
					if !got.Equal(at) {
						t.Errorf("%s %s(/a) stamp = %v, want the invalidation's %v", when, name, got, at)
					}
					if l, err := read(ctx, "/b"); err != nil || !l.RevalidatedAt.IsZero() || !l.ExpiredAt.IsZero() {
						t.Errorf("%s %s(/b) = %+v, %v; want it untouched", when, name, l, err)
					}
				}
			}
			check("on a full disk")
			if err := st.resync(ctx); err != nil {
				t.Fatal(err)
			}
			check("after reloading the stamps")
			if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
				t.Errorf("%d WARN lines, want 1:\n%s", n, logs.String())
			}

			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); st.stamps.pendingCopy() != nil; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the kept invalidation never reached the file")
				}
			}
			other, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			l, err := other.Get(ctx, "/a")
			if err != nil {
				t.Fatal(err)
			}
			got := l.RevalidatedAt
			if tt.mode == cache.Expire {
				got = l.ExpiredAt
			}
			if !got.Equal(at) {
				t.Errorf("another process reads the stamp %v, want %v", got, at)
			}
			check("after the write landed")
			if !strings.Contains(logs.String(), "work again") {
				t.Errorf("no log line says writes work again:\n%s", logs.String())
			}
			if err := st.Health(); err != nil {
				t.Errorf("Health once writes work again: %v", err)
			}
		})
	}
}

// TestDamageWhileRunning overwrites the pages of a running store's file
// with garbage, as a failing disk would: the first read that meets them
// fails ("database disk image is malformed"), and the store then sets the
// file aside, as Open does, and continues on a new one, telling its
// subscribers to drop everything.
func TestDamageWhileRunning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	log, logs := newLog()
	st, err := Open(path, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	var all int
	cancel := st.Subscribe(func(cs []cache.Change) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cs {
			if c.Kind == cache.ChangeAll {
				all++
			}
		}
	})
	defer cancel()
	for i := range 50 {
		if err := st.Put(ctx, page(fmt.Sprintf("/p/%d", i), strings.Repeat("y", 3000), "t")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1024)
	for off := int64(4096); off < fi.Size(); off += 4096 {
		if _, err := f.WriteAt(garbage, off); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "/p/3"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("Get on a damaged page: %v, want malformed", err)
	}
	// The store is usable again once the new file is open.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) > 0 && !st.recovering.Load() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the store never replaced the damaged file")
		}
	}
	if err := st.Put(ctx, page("/after", "<h1>after</h1>", "t")); err != nil {
		t.Fatalf("Put on the new file: %v", err)
	}
	if l, err := st.Get(ctx, "/after"); err != nil || string(l.Entry.Body) != "<h1>after</h1>" {
		t.Errorf("Get(/after) on the new file = %v, %v", l.Entry, err)
	}
	if _, err := st.Get(ctx, "/p/3"); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get(/p/3) on the new file: %v, want ErrNotFound", err)
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) == 0 {
		t.Fatal("the damaged file was not set aside")
	}
	if !strings.Contains(logs.String(), aside[0]) {
		t.Errorf("the log does not name %s:\n%s", aside[0], logs.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if all == 0 {
		t.Error("subscribers were not told to drop everything")
	}
}

// TestLeaseOnAFullDisk: while the file cannot be written, leases are
// taken in memory, exclusive as in the file, so a stale page still
// regenerates once rather than never.
func TestLeaseOnAFullDisk(t *testing.T) {
	ctx := context.Background()
	dir := mount(t, "size=2m")
	st, err := Open(filepath.Join(dir, "cache.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	fill(t, dir)
	if _, err := st.write.ExecContext(ctx, leaseSQL, "/probe", "x", 1, 0); err == nil {
		t.Fatal("a lease write on a full disk succeeded: the fault is not real")
	}
	steps := []struct {
		op, owner string
		want      bool
	}{
		{"lease", "a", true},
		{"lease", "b", false},
		{"lease", "a", true},
		{"release", "a", false},
		{"lease", "b", true},
	}
	for i, s := range steps {
		if s.op == "release" {
			if err := st.Release(ctx, "/p", s.owner); err != nil {
				t.Fatalf("step %d: Release: %v", i, err)
			}
			continue
		}
		got, err := st.Lease(ctx, "/p", s.owner, time.Minute)
		if err != nil || got != s.want {
			t.Fatalf("step %d: Lease(%s) = %v, %v; want %v", i, s.owner, got, err, s.want)
		}
	}
}

// TestDeletedWALUnderASecondProcess deletes the -wal and -shm files of a
// cache a running process has open, as a careless cleanup would, and then
// starts a second process on the same file. The second process starts and
// writes; the first goes on writing and reading (replacing the file if it
// finds it damaged, as for any damage); and the file left behind opens, so
// the app's next start is not stopped by it.
func TestDeletedWALUnderASecondProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	log, logs := newLog()
	st, err := Open(path, Options{Logger: log, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 30 {
		if err := st.Put(ctx, page(fmt.Sprintf("/p/%d", i), strings.Repeat("w", 2000), "t")); err != nil {
			t.Fatal(err)
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil {
			t.Fatal(err)
		}
	}

	_, _, out := helper(t, "put-one", path, 0)
	expectLine(t, out, "done")
	// Both processes write at once for a while, each through its own WAL
	// (the first still has the deleted one open) and each checkpointing
	// into the one database file.
	loop, _, loopOut := helper(t, "write-loop", path, 0)
	expectLine(t, loopOut, "/w/0")
	go func() {
		for loopOut.Scan() {
		}
	}()
	for i := range 300 {
		_ = st.Put(ctx, page(fmt.Sprintf("/q/%d", i), strings.Repeat("q", 3000), "t"))
		_, _ = st.Get(ctx, fmt.Sprintf("/p/%d", i%30))
	}
	if err := loop.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = loop.Wait()

	// The first process: every call answers (an error at most, which the
	// engine treats as a miss), and writes land again within a bound.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := st.Put(ctx, page("/after", "<h1>after</h1>", "t"))
		if err == nil {
			var l cache.Lookup
			if l, err = st.Get(ctx, "/after"); err == nil && string(l.Entry.Body) == "<h1>after</h1>" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first process cannot use its cache after the WAL was deleted: %v\n%s", err, logs.String())
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	t.Logf("the first process's log:\n%s", logs.String())
	// The next start opens the file (or sets it aside) and works.
	next, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("the next start: %v", err)
	}
	defer next.Close()
	if err := next.Put(ctx, page("/next", "<h1>next</h1>")); err != nil {
		t.Fatalf("Put after the next start: %v", err)
	}
	var check string
	if err := next.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || !intact(check) {
		t.Errorf("integrity_check of the file left behind = %q, %v", check, err)
	}
}

// intact reports whether an integrity_check answer says every table and
// index is whole. Pages in no table and not on the free list ("Page N:
// never used"), which two processes checkpointing different WALs into
// one file can leave, waste space until a VACUUM but lose and damage
// nothing.
func intact(check string) bool {
	for line := range strings.Lines(check) {
		line = strings.TrimSpace(line)
		if line != "ok" && line != "*** in database main ***" && !neverUsed.MatchString(line) {
			return false
		}
	}
	return true
}

var neverUsed = regexp.MustCompile(`^Page \d+: never used$`)

// TestRequestWriteWaitIsOneDeadline: a write a request waits on shares one
// deadline between waiting for this process's other writes and waiting
// for another program's lock: what the first wait took, the second may
// not take again.
func TestRequestWriteWaitIsOneDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t, Options{})
	held, release := make(chan struct{}), make(chan struct{})
	go st.writeTx(ctx, func(*sql.Tx) error {
		close(held)
		<-release
		return nil
	})
	<-held
	waits := st.write.Stats().WaitCount
	const d, queued = 2 * time.Second, 500 * time.Millisecond
	var busy int64
	done := make(chan error, 1)
	go func() {
		done <- st.writeTxWithin(ctx, d, func(tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
		})
	}()
	for st.write.Stats().WaitCount == waits {
		select {
		case err := <-done:
			t.Fatalf("the write ended (%v) without waiting for the held one", err)
		case <-time.After(time.Millisecond):
		}
	}
	// The write now waits behind the held one for at least queued.
	time.Sleep(queued)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if limit := (d - queued).Milliseconds(); busy > limit {
		t.Fatalf("after waiting %v for this process's writes, the write waits up to %d ms for another program's lock, want at most %d ms (%v in all)", queued, busy, limit, d)
	}
}
