package watch_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/goxweb/gox/cli/watch"
)

type recorder struct {
	mu      sync.Mutex
	batches [][]watch.Event
}

func (r *recorder) add(evs []watch.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, evs)
}

func (r *recorder) snapshot() [][]watch.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]watch.Event(nil), r.batches...)
}

// start watches root, batching events debounce apart.
func start(t *testing.T, root string, debounce time.Duration) *recorder {
	t.Helper()
	rec := &recorder{}
	w, err := watch.New([]string{root}, debounce)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx, rec.add) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return rec
}

// TestSaveBeforeRun: a save made after New and before Run (gox dev's
// first build) is reported once Run starts.
func TestSaveBeforeRun(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w, err := watch.New([]string{root}, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "page.go")
	if err := os.WriteFile(p, []byte("package a"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx, rec.add) }()
	wait(t, "the save made before Run", func() bool { return len(rec.snapshot()) > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b := rec.snapshot(); len(b[0]) != 1 || b[0][0].Path != p || b[0][0].Kind != watch.Go {
		t.Fatalf("batches = %+v, want %s as Go", b, p)
	}
}

func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not seen within 5 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBurstIsOneBatch(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// A long debounce: on a loaded machine the ten writes may be spread
	// over more than a short one.
	rec := start(t, root, 500*time.Millisecond)
	p := filepath.Join(root, "page.templ")
	for i := range 10 {
		os.WriteFile(p, []byte{byte('a' + i)}, 0o644)
	}
	wait(t, "a batch", func() bool { return len(rec.snapshot()) > 0 })
	time.Sleep(100 * time.Millisecond)
	b := rec.snapshot()
	if len(b) != 1 || len(b[0]) != 1 || b[0][0].Kind != watch.Templ {
		t.Fatalf("batches = %+v, want one batch with one templ event", b)
	}
}

func TestNewFolderAndKinds(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	rec := start(t, root, 30*time.Millisecond)
	sub := filepath.Join(root, "routes", "new_")
	os.MkdirAll(sub, 0o755)
	time.Sleep(100 * time.Millisecond)
	files := map[string]watch.Kind{
		filepath.Join(sub, "page.go"):          watch.Go,
		filepath.Join(root, "app.css"):         watch.CSS,
		filepath.Join(root, "app.ts"):          watch.Script,
		filepath.Join(root, "notes.md"):        watch.Other,
		filepath.Join(root, "page_templ.go"):   -1,
		filepath.Join(root, "gox_routes.go"):   -1,
		filepath.Join(root, ".page.templ.swp"): -1,
		filepath.Join(root, "page.templ~"):     -1,
	}
	os.MkdirAll(filepath.Join(root, "static"), 0o755)
	time.Sleep(100 * time.Millisecond)
	files[filepath.Join(root, "static", "logo.svg")] = watch.Static
	for p := range files {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	got := map[string]watch.Kind{}
	wait(t, "every file", func() bool {
		for _, b := range rec.snapshot() {
			for _, e := range b {
				got[e.Path] = e.Kind
			}
		}
		return len(got) >= 5
	})
	time.Sleep(100 * time.Millisecond)
	for _, b := range rec.snapshot() {
		for _, e := range b {
			got[e.Path] = e.Kind
		}
	}
	for p, want := range files {
		k, seen := got[p]
		if want == -1 && seen {
			t.Errorf("ignored file reported: %s", p)
		}
		if want != -1 && (!seen || k != want) {
			t.Errorf("%s: kind %v seen %v, want %v", p, k, seen, want)
		}
	}
}

func TestFolders(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	rec := start(t, root, 30*time.Millisecond)
	// Files written together with their folder, before its watch exists.
	page := filepath.Join(root, "routes", "about", "page.templ")
	os.MkdirAll(filepath.Dir(page), 0o755)
	os.WriteFile(page, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "routes", "about", "page_templ.go"), []byte("x"), 0o644)
	seen := func(path string, kind watch.Kind) func() bool {
		return func() bool {
			for _, b := range rec.snapshot() {
				for _, e := range b {
					if e.Path == path && e.Kind == kind {
						return true
					}
				}
			}
			return false
		}
	}
	wait(t, "the new page", seen(page, watch.Templ))
	wait(t, "the new folder", seen(filepath.Join(root, "routes"), watch.Folder))
	for _, b := range rec.snapshot() {
		for _, e := range b {
			if filepath.Base(e.Path) == "page_templ.go" {
				t.Errorf("generated file reported: %s", e.Path)
			}
		}
	}
	// A folder moved out of the tree is reported, though nothing is left
	// to look at.
	about := filepath.Dir(page)
	if err := os.Rename(about, filepath.Join(t.TempDir(), "about")); err != nil {
		t.Fatal(err)
	}
	wait(t, "the moved folder", seen(about, watch.Folder))
}
