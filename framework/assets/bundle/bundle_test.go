package bundle_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/assets/bundle"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var app = map[string]string{
	"app.ts":         "import { greet } from './lib/greet'\nimport './app.css'\nconst who: string = 'gox'\ndocument.title = greet(who)\n",
	"lib/greet.ts":   "export function greet(name: string): string { return 'hello ' + name }\n",
	"app.css":        "body { color: red; }\n",
	"site.css":       "@import './parts/base.css';\nh1 { margin: 0 }\n",
	"parts/base.css": "html { font-family: sans-serif; }\n",
}

func TestBuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, app)
	prod, err := bundle.Build(bundle.Options{Dir: dir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := bundle.Build(bundle.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.js", "app.css", "site.css"} {
		f, ok := prod.Lookup(name)
		if !ok || !strings.Contains(f, "-") {
			t.Fatalf("production %s = %q, want a hashed name", name, f)
		}
		if d, _ := dev.Lookup(name); d != name {
			t.Fatalf("development %s = %q, want the plain name", name, d)
		}
	}
	if got := prod.URL("app.js"); !strings.HasPrefix(got, assets.Prefix+"app-") || !strings.HasSuffix(got, ".js") {
		t.Fatalf("URL = %q", got)
	}
	if got := prod.URL("nope.js"); got != assets.Prefix+"missing/nope.js" {
		t.Fatalf("unknown URL = %q", got)
	}
	// The imported module is bundled in, TypeScript stripped.
	rec := httptest.NewRecorder()
	prod.Handler(true).ServeHTTP(rec, httptest.NewRequest("GET", prod.URL("app.js"), nil))
	js := rec.Body.String()
	if !strings.Contains(js, "hello ") || strings.Contains(js, ": string") || strings.Contains(js, "import") {
		t.Fatalf("bundle:\n%s", js)
	}
	// Production output is minified: whitespace, comments and local names
	// gone, @import bundled in.
	if strings.Contains(strings.TrimSuffix(js, "\n"), "\n") || strings.Contains(js, " = ") ||
		strings.Contains(js, "greet") || strings.Contains(js, "who") {
		t.Fatalf("production script not minified:\n%s", js)
	}
	rec = httptest.NewRecorder()
	prod.Handler(true).ServeHTTP(rec, httptest.NewRequest("GET", prod.URL("site.css"), nil))
	if got, want := rec.Body.String(), "html{font-family:sans-serif}h1{margin:0}\n"; got != want {
		t.Fatalf("production site.css = %q, want %q", got, want)
	}
	// Changing a source changes the hash and the URL.
	write(t, dir, map[string]string{"lib/greet.ts": "export function greet(n: string) { return 'hi ' + n }\n"})
	again, err := bundle.Build(bundle.Options{Dir: dir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.URL("app.js") == prod.URL("app.js") || again.Hash() == prod.Hash() {
		t.Fatal("a changed source kept its URL and hash")
	}
	if again.URL("site.css") != prod.URL("site.css") {
		t.Fatal("an unchanged file changed its URL")
	}
}

func TestBuildErrorNamesTheLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{"app.ts": "const a = 1\nconst b = (\n"})
	_, err := bundle.Build(bundle.Options{Dir: dir})
	be, ok := err.(*bundle.BuildError)
	if !ok || !strings.Contains(be.Error(), "app.ts:3:0") {
		t.Fatalf("error = %v, want a BuildError naming app.ts:3:0", err)
	}
}

func TestWriteAndLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, app)
	built, err := bundle.Build(bundle.Options{Dir: dir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bundle")
	write(t, out, map[string]string{"stale-OLDHASH1.js": "old"}) // a previous build's file
	if err := bundle.Write(built, out); err != nil {
		t.Fatal(err)
	}
	loaded, err := assets.Load(os.DirFS(out))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(loaded.Files(), built.Files()) || loaded.Hash() != built.Hash() ||
		loaded.URL("app.js") != built.URL("app.js") || loaded.URL("site.css") != built.URL("site.css") {
		t.Fatalf("loaded %v %s, built %v %s", loaded.Files(), loaded.Hash(), built.Files(), built.Hash())
	}
	empty, err := bundle.Build(bundle.Options{Dir: filepath.Join(t.TempDir(), "none")})
	if err != nil || len(empty.Files()) != 0 {
		t.Fatalf("missing folder: %v %v", empty, err)
	}
}

func TestBuilder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, app)
	b, err := bundle.NewBuilder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	body := func(bundle *assets.Bundle, name string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		bundle.Handler(false).ServeHTTP(rec, httptest.NewRequest("GET", bundle.URL(name), nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", name, rec.Code)
		}
		return rec.Body.String()
	}
	steps := []struct {
		name    string
		files   map[string]string
		remove  string
		asset   string
		want    string
		wantErr string
	}{
		{name: "first build", asset: "app.js", want: "hello "},
		{name: "an imported module edited", files: map[string]string{"lib/greet.ts": "export function greet(n: string) { return 'hi ' + n }\n"}, asset: "app.js", want: "hi "},
		{name: "a stylesheet edited", files: map[string]string{"parts/base.css": "html { font-family: serif; }\n"}, asset: "site.css", want: "serif"},
		{name: "a syntax error", files: map[string]string{"lib/greet.ts": "export function greet(\n"}, wantErr: "lib/greet.ts:2:0"},
		{name: "fixed", files: map[string]string{"lib/greet.ts": "export function greet(n: string) { return 'back ' + n }\n"}, asset: "app.js", want: "back "},
		{name: "a new entry point", files: map[string]string{"admin.ts": "console.log('admin')\n"}, asset: "admin.js", want: "admin"},
		{name: "an entry point removed", remove: "admin.ts", asset: "app.js", want: "back "},
	}
	for _, st := range steps {
		write(t, dir, st.files)
		if st.remove != "" {
			os.Remove(filepath.Join(dir, st.remove))
		}
		got, err := b.Build()
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%s: error %v, want one naming %s", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if s := body(got, st.asset); !strings.Contains(s, st.want) {
			t.Fatalf("%s: %s lacks %q:\n%s", st.name, st.asset, st.want, s)
		}
		if st.remove != "" {
			if _, ok := got.Lookup("admin.js"); ok {
				t.Fatalf("%s: admin.js still in the bundle", st.name)
			}
		}
	}
}
