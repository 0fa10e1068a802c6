// Package templdev lets gox dev show a template edit that changes only
// text without rebuilding the app, the way `templ generate --watch` does.
//
// templ's generated code writes every literal through
// templruntime.WriteString; in an app started with the environment from
// Env, each call reads its literal from a text file beside the generator
// instead. A Generator writes those files, and tells apart an edit whose
// Go code is unchanged (write the text, reload the browser) from one that
// needs a build.
//
// Example:
//
//	g, err := templdev.New("./shop")
//	...
//	err = g.All()                              // generate, go build, then
//	err = g.Commit()                           // write the text files
//	cmd.Env = append(os.Environ(), g.Env()...) // the app reads them
//	rebuild, err := g.File("shop/routes/page.templ")
//	if !rebuild {
//		err = g.Commit() // the running app shows the edit
//	}
package templdev

import (
	"bytes"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/a-h/templ/generator"
	parser "github.com/a-h/templ/parser/v2"
	templruntime "github.com/a-h/templ/runtime"
)

// Generator regenerates an app's .templ files and remembers each one's
// last output, to compare the next edit with.
type Generator struct {
	dir string // absolute, symlinks resolved, as the runtime compares it

	mu   sync.Mutex
	last map[string]generator.GeneratorOutput // by absolute .templ path
	text map[string][]byte                    // text files Commit writes
}

// New returns a Generator for the app in dir.
func New(dir string) (*Generator, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, err
	}
	return &Generator{dir: abs, last: map[string]generator.GeneratorOutput{}, text: map[string][]byte{}}, nil
}

// Env is what the app's environment needs to read literals from the text
// files: templ's dev mode, limited to this app's files (the framework's
// own templates keep their compiled text).
func (g *Generator) Env() []string {
	return []string{"TEMPL_DEV_MODE=true", "TEMPL_DEV_MODE_WATCH_ROOT=" + g.dir}
}

// All generates every .templ file of the app. The app must not start in
// dev mode before they are committed: a missing text file fails a render.
func (g *Generator) All() error {
	return filepath.WalkDir(g.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != g.dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".templ") {
			_, err := g.File(path)
			return err
		}
		return nil
	})
}

// skipDir reports folders that hold no app templates.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "node_modules" || name == "vendor" || name == "testdata" || name == "bin"
}

// File generates one .templ file: its _templ.go (written only when it
// changed, byte for byte what templ generate writes), and its text file
// for the next Commit. rebuild reports whether the running app can show
// the edit without a build: false when only literals changed since the
// last call for the file. The first call for a file always asks for one.
func (g *Generator) File(path string) (rebuild bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return true, err
	}
	rel, err := filepath.Rel(g.dir, abs)
	if err != nil {
		return true, err
	}
	rel = filepath.ToSlash(rel)
	tf, err := parser.Parse(abs)
	if err != nil {
		return true, fmt.Errorf("%s parsing error: %w", rel, err)
	}
	var b bytes.Buffer
	out, err := generator.Generate(tf, &b, generator.WithFileName(rel))
	if err != nil {
		return true, fmt.Errorf("%s generation error: %w", rel, err)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return true, fmt.Errorf("%s: generated code does not format: %w", rel, err)
	}
	goFile := strings.TrimSuffix(abs, ".templ") + "_templ.go"
	if err := writeIfChanged(goFile, src); err != nil {
		return true, err
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	prev, seen := g.last[abs]
	g.last[abs] = out
	g.text[abs] = []byte(strings.Join(out.Literals, "\n"))
	return !seen || generator.HasGoChanged(prev, out), nil
}

// Commit writes the text files of the templates generated since the last
// Commit. Call it when the app that will read them runs the Go generated
// with them: right away after a text-only edit, after the build otherwise.
// An app reading text meant for other code would render it in the wrong
// places.
func (g *Generator) Commit() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for abs, b := range g.text {
		if err := writeIfChanged(templruntime.GetDevModeTextFileName(abs), b); err != nil {
			return err
		}
		delete(g.text, abs)
	}
	return nil
}

// Clean removes the text files of every file generated so far.
func (g *Generator) Clean() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for abs := range g.last {
		os.Remove(templruntime.GetDevModeTextFileName(abs))
	}
}

// writeIfChanged writes b to name unless it already holds b, so that an
// unchanged file keeps its modification time (go build's cache and the
// runtime's text cache both look at it). The write goes through a
// temporary file and a rename: a render never reads half a file.
func writeIfChanged(name string, b []byte) error {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".templdev-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
