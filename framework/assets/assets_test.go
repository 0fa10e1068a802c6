package assets_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goxweb/gox/framework/assets"
)

// bundleFS is a built bundle as gox build writes it.
func bundleFS() fstest.MapFS {
	return fstest.MapFS{
		assets.ManifestFile: {Data: []byte(`{"app.css": "app-5XK2J3AB.css", "app.js": "app-Q7ZC4M2D.js"}`)},
		"app-5XK2J3AB.css":  {Data: []byte("body{color:red}")},
		"app-Q7ZC4M2D.js":   {Data: []byte("console.log(1);")},
		"chunk-AAAABBBB.js": {Data: []byte("export{};")},
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	b, err := assets.Load(bundleFS())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.URL("app.css"); got != assets.Prefix+"app-5XK2J3AB.css" {
		t.Fatalf("URL(app.css) = %q", got)
	}
	if got := b.URL("nope.js"); got != assets.Prefix+"missing/nope.js" {
		t.Fatalf("unknown URL = %q", got)
	}
	if want := []string{"app-5XK2J3AB.css", "app-Q7ZC4M2D.js", "chunk-AAAABBBB.js"}; !slices.Equal(b.Files(), want) {
		t.Fatalf("Files = %v, want %v", b.Files(), want)
	}
	rec := httptest.NewRecorder()
	b.Handler(true).ServeHTTP(rec, httptest.NewRequest("GET", b.URL("app.js"), nil))
	if rec.Code != 200 || rec.Body.String() != "console.log(1);" {
		t.Fatalf("GET app.js: %d %q", rec.Code, rec.Body)
	}
	// The hash follows the files' bytes.
	other := bundleFS()
	other["chunk-AAAABBBB.js"] = &fstest.MapFile{Data: []byte("export{a};")}
	again, err := assets.Load(other)
	if err != nil || again.Hash() == b.Hash() || len(b.Hash()) != 12 {
		t.Fatalf("hash %q then %q (%v)", b.Hash(), again.Hash(), err)
	}
	// What Load reads, ManifestJSON writes.
	round := bundleFS()
	round[assets.ManifestFile] = &fstest.MapFile{Data: b.ManifestJSON()}
	if rb, err := assets.Load(round); err != nil || rb.Hash() != b.Hash() || rb.URL("app.js") != b.URL("app.js") {
		t.Fatalf("round trip: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		want   string
	}{
		{"missing manifest", func(f fstest.MapFS) { delete(f, assets.ManifestFile) }, "the bundle has no .manifest.json; build the app with gox build"},
		{"missing file", func(f fstest.MapFS) { delete(f, "app-Q7ZC4M2D.js") }, "maps app.js to app-Q7ZC4M2D.js, which the bundle lacks"},
		{"malformed", func(f fstest.MapFS) { f[assets.ManifestFile] = &fstest.MapFile{Data: []byte(`{"app.css": `)} }, "malformed .manifest.json: unexpected end of JSON input"},
		{"not a map of names", func(f fstest.MapFS) { f[assets.ManifestFile] = &fstest.MapFile{Data: []byte(`["app.css"]`)} }, "malformed .manifest.json: json: cannot unmarshal array"},
	}
	for _, tt := range tests {
		fsys := bundleFS()
		tt.change(fsys)
		b, err := assets.Load(fsys)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "assets: ") {
			t.Errorf("%s: Load = %v, %v; want an error containing %q", tt.name, b, err, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	b, bundled, err := assets.Open(bundleFS())
	if err != nil || !bundled || b.URL("app.js") != assets.Prefix+"app-Q7ZC4M2D.js" {
		t.Fatalf("Open(bundle) = %v %v %v", b, bundled, err)
	}
	broken := bundleFS()
	delete(broken, "app-5XK2J3AB.css")
	if _, bundled, err := assets.Open(broken); err == nil || !bundled {
		t.Fatalf("Open(broken bundle) = %v %v, want the bundle's error", bundled, err)
	}
	raw, bundled, err := assets.Open(fstest.MapFS{"app.css": {Data: []byte("p{}")}})
	if err != nil || bundled || !strings.HasPrefix(raw.URL("app.css"), assets.Prefix+"app-") {
		t.Fatalf("Open(sources) = %v %v %v", raw, bundled, err)
	}
}

// TestRaw is the fallback of an app built without gox build: the sources
// are served as they are, under names hashed from their bytes.
func TestRaw(t *testing.T) {
	t.Parallel()
	src := fstest.MapFS{
		"app.css":        {Data: []byte("@import './parts/base.css';\nbody { color: red }\n")},
		"parts/base.css": {Data: []byte("html { margin: 0 }\n")},
		"app.js":         {Data: []byte("document.title = 'hi'\n")},
		"app.ts":         {Data: []byte("const a: string = 'x'\n")},
		".secret.css":    {Data: []byte("nope")},
	}
	b, err := assets.Raw(src)
	if err != nil {
		t.Fatal(err)
	}
	url := b.URL("app.css")
	name, ok := strings.CutPrefix(url, assets.Prefix)
	if !ok || !strings.HasPrefix(name, "app-") || !strings.HasSuffix(name, ".css") || len(name) != len("app-12345678.css") ||
		strings.Trim(name[4:12], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("URL(app.css) = %q, want app-<8 base32 characters>.css", url)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		b.Handler(true).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	rec := get(url)
	if rec.Code != 200 || rec.Body.String() != string(src["app.css"].Data) ||
		rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("GET %s: %d %v %q", url, rec.Code, rec.Header(), rec.Body)
	}
	// What a stylesheet imports keeps its path and is revalidated.
	if rec := get(assets.Prefix + "parts/base.css"); rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET parts/base.css: %d %v", rec.Code, rec.Header())
	}
	// The name follows the bytes.
	src["app.css"] = &fstest.MapFile{Data: []byte("body { color: blue }\n")}
	again, _ := assets.Raw(src)
	if again.URL("app.css") == url || again.Hash() == b.Hash() || again.URL("app.js") != b.URL("app.js") {
		t.Fatal("a changed file kept its URL, or an unchanged one lost it")
	}
	// Nothing compiles TypeScript; dot files are never served.
	if got := b.URL("app.ts"); got != assets.Prefix+"missing/app.ts" {
		t.Fatalf("URL(app.ts) = %q", got)
	}
	if _, ok := b.File(".secret.css"); ok {
		t.Fatal("a dot file in the raw bundle")
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	var css strings.Builder
	for i := range 200 {
		fmt.Fprintf(&css, ".c%d { margin: %dpx; color: red; }\n", i, i)
	}
	b, err := assets.Raw(fstest.MapFS{"app.css": {Data: []byte(css.String())}})
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
		{"traversal", "GET", assets.Prefix + "../handler.go", nil, 404, "", "", ""},
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

func TestDevNames(t *testing.T) {
	t.Parallel()
	if got := assets.DevNames().URL("app.js"); got != assets.Prefix+"app.js" {
		t.Fatalf("DevNames URL = %q", got)
	}
}
