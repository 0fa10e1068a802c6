package assets_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goxweb/gox/framework/assets"
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
	prod, err := assets.Build(assets.Options{Dir: dir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := assets.Build(assets.Options{Dir: dir})
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
	again, err := assets.Build(assets.Options{Dir: dir, Production: true})
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
	_, err := assets.Build(assets.Options{Dir: dir})
	be, ok := err.(*assets.BuildError)
	if !ok || !strings.Contains(be.Error(), "app.ts:3:0") {
		t.Fatalf("error = %v, want a BuildError naming app.ts:3:0", err)
	}
}

func TestBuildFSAndEmpty(t *testing.T) {
	t.Parallel()
	b, err := assets.BuildFS(fstest.MapFS{"app.css": {Data: []byte("p { color: blue }")}}, true)
	if err != nil || !strings.HasPrefix(b.URL("app.css"), assets.Prefix+"app-") {
		t.Fatalf("BuildFS: %v %v", b, err)
	}
	empty, err := assets.Build(assets.Options{Dir: filepath.Join(t.TempDir(), "none")})
	if err != nil || len(empty.Files()) != 0 {
		t.Fatalf("missing folder: %v %v", empty.Files(), err)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var css strings.Builder
	for i := range 200 {
		fmt.Fprintf(&css, ".c%d { margin: %dpx; color: red; }\n", i, i)
	}
	write(t, dir, map[string]string{"app.css": css.String()})
	b, err := assets.Build(assets.Options{Dir: dir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	h := b.Handler(true)
	url := b.URL("app.css")
	get := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const immutable = "public, max-age=31536000, immutable"
	ok := get("GET", url)
	if ok.Code != 200 || ok.Header().Get("Cache-Control") != immutable ||
		!strings.HasPrefix(ok.Header().Get("Content-Type"), "text/css") || ok.Header().Get("ETag") == "" {
		t.Fatalf("GET: %d %v", ok.Code, ok.Header())
	}
	tests := []struct {
		name, method, path string
		hdr                []string
		code               int
		enc, cc, location  string
	}{
		{"etag", "GET", url, []string{"If-None-Match", ok.Header().Get("ETag")}, 304, "", immutable, ""},
		{"head", "HEAD", url, nil, 200, "", immutable, ""},
		{"brotli", "GET", url, []string{"Accept-Encoding", "gzip, br"}, 200, "br", immutable, ""},
		{"gzip", "GET", url, []string{"Accept-Encoding", "gzip"}, 200, "gzip", immutable, ""},
		// Pages of an older build link older hashes until they regenerate.
		{"old hash", "GET", assets.Prefix + "app-OLDHASH1.css", nil, 307, "", "no-store", url},
		{"no hash", "GET", assets.Prefix + "app.css", nil, 307, "", "no-store", url},
		{"old hash, head", "HEAD", assets.Prefix + "app-OLDHASH1.css", nil, 307, "", "no-store", url},
		{"old hash, other type", "GET", assets.Prefix + "app-OLDHASH1.js", nil, 404, "", "", ""},
		{"not a hash", "GET", assets.Prefix + "app-old.css", nil, 404, "", "", ""},
		{"unknown", "GET", assets.Prefix + "nope.css", nil, 404, "", "", ""},
		{"unknown, hashed", "GET", assets.Prefix + "nope-OLDHASH1.css", nil, 404, "", "", ""},
		{"traversal", "GET", assets.Prefix + "../assets.go", nil, 404, "", "", ""},
		{"dir", "GET", assets.Prefix, nil, 404, "", "", ""},
		{"post", "POST", url, nil, 404, "", "", ""},
	}
	for _, tt := range tests {
		w := get(tt.method, tt.path, tt.hdr...)
		got := []string{strconv.Itoa(w.Code), w.Header().Get("Content-Encoding"), w.Header().Get("Cache-Control"), w.Header().Get("Location")}
		want := []string{strconv.Itoa(tt.code), tt.enc, tt.cc, tt.location}
		if !slices.Equal(got, want) {
			t.Errorf("%s: code, encoding, cache-control, location = %q, want %q", tt.name, got, want)
		}
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	files, err := assets.Static(fstest.MapFS{
		"favicon.svg":  {Data: []byte("<svg/>")},
		"robots.txt":   {Data: []byte("User-agent: *")},
		".env":         {Data: []byte("SECRET=1")},
		".git/config":  {Data: []byte("x")},
		"img/logo.png": {Data: []byte("\x89PNG")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/favicon.svg", "/robots.txt", "/img/logo.png"} {
		h, ok := files[p]
		if !ok {
			t.Fatalf("%s not served", p)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != 200 || w.Header().Get("ETag") == "" || w.Header().Get("Cache-Control") != "public, max-age=0, must-revalidate" {
			t.Fatalf("%s: %d %v", p, w.Code, w.Header())
		}
	}
	for _, p := range []string{"/.env", "/.git/config"} {
		if _, ok := files[p]; ok {
			t.Fatalf("dot file %s served", p)
		}
	}
}

func TestBuilder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, app)
	b, err := assets.NewBuilder(dir)
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
	if got := assets.DevNames().URL("app.js"); got != assets.Prefix+"app.js" {
		t.Fatalf("DevNames URL = %q", got)
	}
}
