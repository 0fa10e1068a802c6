// Package assets serves an app's bundled assets: the files gox build
// bundled from assets/ (minified, named by content hash: app-5XK2J3.js)
// and the manifest from logical names (app.js) to those files. It reads a
// bundle from an fs.FS (the binary embeds it), resolves URLs for templates
// and serves the files as immutable. It never bundles: esbuild lives in
// assets/bundle, which only the gox command imports, so app binaries do
// not link it.
//
// Example:
//
//	b, err := assets.Load(bundleFS) // .manifest.json and the files it names
//	url := b.URL("app.js")          // "/_gox/assets/app-5XK2J3.js"
//	mux.Handle(assets.Prefix, b.Handler(true))
package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
)

// Prefix is the URL path assets are served under.
const Prefix = "/_gox/assets/"

// ManifestFile is the name of a bundle's manifest, at its root: a JSON
// object from logical names to file names,
// {"app.css": "app-5XK2J3.css"}. Its leading dot keeps it apart from an
// app's own files: //go:embed never embeds a dot file of assets/, so a
// folder holding it is a bundle, never raw sources.
const ManifestFile = ".manifest.json"

// Bundle is a set of files by name and the manifest from logical names
// ("app.js") to file names.
type Bundle struct {
	files    map[string][]byte
	manifest map[string]string
	hash     string
	stable   bool            // URLs are development names, whatever the manifest says
	mutable  map[string]bool // files not named by content (Raw's nested files)
}

// New returns the bundle of files (by slash-separated name) and manifest;
// every file the manifest names must be among files. Tools that bundle
// (assets/bundle) make bundles with it.
func New(files map[string][]byte, manifest map[string]string) (*Bundle, error) {
	for name := range files {
		if !fs.ValidPath(name) || name == "." || name == ManifestFile {
			return nil, fmt.Errorf("assets: invalid file name %q", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(manifest)) {
		f := manifest[name]
		if _, ok := files[f]; !ok {
			return nil, fmt.Errorf("assets: %s maps %s to %s, which the bundle lacks", ManifestFile, name, f)
		}
	}
	b := &Bundle{files: maps.Clone(files), manifest: maps.Clone(manifest)}
	if b.files == nil {
		b.files = map[string][]byte{}
	}
	if b.manifest == nil {
		b.manifest = map[string]string{}
	}
	b.hash = b.digest()
	return b, nil
}

// Load reads a bundle from fsys: ManifestFile at its root and every other
// file below it. It writes nothing anywhere. A missing, malformed or
// inconsistent manifest is an error that says which.
func Load(fsys fs.FS) (*Bundle, error) {
	raw, err := fs.ReadFile(fsys, ManifestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("assets: the bundle has no %s; build the app with gox build", ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	var manifest map[string]string
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("assets: malformed %s: %w", ManifestFile, err)
	}
	files := map[string][]byte{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == ManifestFile {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		files[p] = body
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return New(files, manifest)
}

// Raw returns an assets/ folder served as it is, without bundling: for an
// app built without gox build (go run ., go test). Each top-level .js and
// .css file is served under a name with a hash of its bytes (app.css is
// app-5XK2J3.css), so it is cached like a bundled file; other files keep
// their paths (what a stylesheet @imports or a module imports) and are
// revalidated. TypeScript and JSX are not compiled: their URLs 404.
// Dot files are skipped.
func Raw(fsys fs.FS) (*Bundle, error) {
	files, manifest, mutable := map[string][]byte{}, map[string]string{}, map[string]bool{}
	err := walkFiles(fsys, func(p string, body []byte) error {
		if ext := path.Ext(p); !strings.Contains(p, "/") && (ext == ".js" || ext == ".css") {
			hashed := strings.TrimSuffix(p, ext) + "-" + contentHash(body) + ext
			files[hashed], manifest[p] = body, hashed
			return nil
		}
		files[p], mutable[p] = body, true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	b, err := New(files, manifest)
	if err != nil {
		return nil, err
	}
	b.mutable = mutable
	return b, nil
}

// Open returns the bundle in fsys when fsys is one (it holds ManifestFile),
// and otherwise serves fsys as raw sources (Raw); bundled says which.
func Open(fsys fs.FS) (b *Bundle, bundled bool, err error) {
	if _, err := fs.Stat(fsys, ManifestFile); err == nil {
		b, err := Load(fsys)
		return b, true, err
	}
	b, err = Raw(fsys)
	return b, false, err
}

// contentHash names bytes the way esbuild names files: 8 characters of
// base32 (A-Z, 2-7).
func contentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base32.StdEncoding.EncodeToString(sum[:5])
}

// DevNames returns a bundle without files whose URLs are development
// names (app.ts is /_gox/assets/app.js): an app in development links the
// files gox dev bundles and serves without building them itself.
func DevNames() *Bundle {
	b, _ := New(nil, nil)
	b.stable = true
	return b
}

func (b *Bundle) digest() string {
	h := sha256.New()
	for _, n := range b.Files() {
		fmt.Fprintf(h, "%s %d\n", n, len(b.files[n]))
		h.Write(b.files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Hash digests every file: a new hash means pages that embed asset URLs
// must be rendered again.
func (b *Bundle) Hash() string { return b.hash }

// Lookup returns the file name of a logical name ("app.js").
func (b *Bundle) Lookup(name string) (string, bool) {
	f, ok := b.manifest[name]
	return f, ok
}

// URL returns the URL of a logical name. An unknown name gives a URL that
// 404s and says why in its path, easy to spot in the page source.
func (b *Bundle) URL(name string) string {
	if b.stable {
		return Prefix + name
	}
	if f, ok := b.manifest[name]; ok {
		return Prefix + f
	}
	return Prefix + "missing/" + name
}

// Manifest returns a copy of the manifest.
func (b *Bundle) Manifest() map[string]string { return maps.Clone(b.manifest) }

// ManifestJSON returns the manifest as ManifestFile holds it.
func (b *Bundle) ManifestJSON() []byte {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	enc.Encode(b.manifest) // a map of strings always encodes (keys sorted)
	return out.Bytes()
}

// Files returns the file names, sorted.
func (b *Bundle) Files() []string {
	out := make([]string, 0, len(b.files))
	for n := range b.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// File returns the bytes of the file name (one of Files).
func (b *Bundle) File(name string) ([]byte, bool) {
	body, ok := b.files[name]
	return body, ok
}
