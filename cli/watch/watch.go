// Package watch reports saved files, and folders created, removed or
// renamed, under an app's folders, debounced and classified, for gox dev.
// Generated files, dot folders, bin/ and editor temp files are ignored, so
// code generation never triggers itself.
//
// Example:
//
//	err := watch.Watch(ctx, []string{"routes", "assets"}, 50*time.Millisecond, func(evs []watch.Event) {
//		for _, e := range evs {
//			fmt.Println(e.Kind, e.Path)
//		}
//	})
package watch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Kind classifies a changed file by what it takes to show it.
type Kind int

// Kinds of changed files.
const (
	Other  Kind = iota
	Templ       // .templ
	Go          // .go
	CSS         // .css
	Script      // .js .ts .tsx .jsx
	Static      // anything under static/
	Folder      // a folder created, removed or renamed
)

// Event is one changed file.
type Event struct {
	Path string
	Kind Kind
}

// skipDirs are never watched.
var skipDirs = map[string]bool{"bin": true, "node_modules": true, "data": true, "testdata": true}

// ignored reports files whose changes mean nothing to the app being
// developed: generated code, editor temp files.
func ignored(name string) bool {
	switch {
	case strings.HasSuffix(name, "_templ.go"), strings.HasSuffix(name, "_templ.txt"),
		name == "gox_routes.go", name == "gox_links.go", name == "gox_bundle.go",
		strings.HasSuffix(name, "~"), strings.HasPrefix(name, ".#"), strings.HasPrefix(name, "."),
		strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swx"), name == "4913":
		return true
	}
	return false
}

func classify(path string) Kind {
	if strings.Contains(filepath.ToSlash(path), "/static/") {
		return Static
	}
	switch filepath.Ext(path) {
	case ".templ":
		return Templ
	case ".go":
		return Go
	case ".css":
		return CSS
	case ".js", ".ts", ".tsx", ".jsx":
		return Script
	}
	return Other
}

// Watch watches roots recursively (folders created later too) and calls
// onChange with each batch of changes once debounce has passed without
// another (0: 50 ms). It returns when ctx is done.
func Watch(ctx context.Context, roots []string, debounce time.Duration, onChange func([]Event)) error {
	w, err := New(roots, debounce)
	if err != nil {
		return err
	}
	return w.Run(ctx, onChange)
}

// Watcher is a watch that has started: saves are seen from New on, even
// those made before Run, so a caller can do its first build in between
// without missing an edit made meanwhile.
type Watcher struct {
	w        *fsnotify.Watcher
	dirs     map[string]bool // watched folders, to know one when it goes
	debounce time.Duration
}

// New watches roots recursively (debounce as for Watch). Run reports what
// changes; Close releases the watch without running it.
func New(roots []string, debounce time.Duration) (*Watcher, error) {
	if debounce <= 0 {
		debounce = 50 * time.Millisecond
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{w: fw, dirs: map[string]bool{}, debounce: debounce}
	for _, r := range roots {
		if err := addTree(fw, r, w.dirs, nil); err != nil {
			fw.Close()
			return nil, err
		}
	}
	return w, nil
}

// Close stops the watch.
func (w *Watcher) Close() error { return w.w.Close() }

// Run calls onChange with each batch of changes, those since New
// included, until ctx is done; then it closes the watch.
func (w *Watcher) Run(ctx context.Context, onChange func([]Event)) error {
	defer w.w.Close()
	debounce, dirs := w.debounce, w.dirs
	pending := map[string]Kind{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.w.Errors:
			return fmt.Errorf("watch: %w", err)
		case ev := <-w.w.Events:
			name := filepath.Base(ev.Name)
			fi, err := os.Stat(ev.Name)
			switch {
			case err == nil && fi.IsDir():
				if !ev.Has(fsnotify.Create) || skipDir(name) {
					continue
				}
				// Files may land in a new folder before its watch does
				// (mkdir then cp, a folder moved in): report what is there.
				pending[ev.Name] = Folder
				_ = addTree(w.w, ev.Name, dirs, func(p string) {
					if !ignored(filepath.Base(p)) {
						pending[p] = classify(p)
					}
				})
			case dirs[ev.Name]:
				for d := range dirs {
					if d == ev.Name || strings.HasPrefix(d, ev.Name+string(filepath.Separator)) {
						delete(dirs, d)
					}
				}
				pending[ev.Name] = Folder
			case ignored(name) || ev.Op == fsnotify.Chmod:
				continue
			default:
				if _, ok := pending[ev.Name]; !ok { // a folder's second event (moved, then moved self) is no file
					pending[ev.Name] = classify(ev.Name)
				}
			}
			timer.Reset(debounce)
		case <-timer.C:
			evs := make([]Event, 0, len(pending))
			for p, k := range pending {
				evs = append(evs, Event{Path: p, Kind: k})
			}
			sort.Slice(evs, func(i, j int) bool { return evs[i].Path < evs[j].Path })
			clear(pending)
			onChange(evs)
		}
	}
}

func skipDir(name string) bool {
	return skipDirs[name] || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// addTree watches root and the folders below it, records them in dirs,
// and calls file, if not nil, with each file found.
func addTree(w *fsnotify.Watcher, root string, dirs map[string]bool, file func(string)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished while walking
		}
		if !d.IsDir() {
			if file != nil {
				file(p)
			}
			return nil
		}
		if p != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		dirs[p] = true
		return nil
	})
}
