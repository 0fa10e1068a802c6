// Package assets bundles an app's assets/ folder with esbuild's Go API, in
// process (no Node), and serves the result. Every top-level .ts, .tsx,
// .js, .jsx and .css file is an entry point; what it imports is bundled in.
// In production files are minified and named by content hash
// (app-5XK2J3.js) and served as immutable; in development names are stable
// (app.js) so a stylesheet can be swapped without a reload.
//
// Example:
//
//	b, err := assets.Build(assets.Options{Dir: "assets", Production: true})
//	url := b.URL("app.js") // "/_gox/assets/app-5XK2J3.js"
//	mux.Handle(assets.Prefix, b.Handler())
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Prefix is the URL path assets are served under.
const Prefix = "/_gox/assets/"

// entryExts are the extensions of entry points.
var entryExts = map[string]string{".ts": ".js", ".tsx": ".js", ".js": ".js", ".jsx": ".js", ".css": ".css"}

// Options configure Build.
type Options struct {
	// Dir is the assets folder on disk.
	Dir string
	// Production minifies and names files by content hash.
	Production bool
}

// Bundle is the result of a build: output files in memory by name, and
// the manifest from logical names ("app.js") to file names.
type Bundle struct {
	files    map[string][]byte
	manifest map[string]string
	hash     string
	stable   bool // URLs are development names, whatever the manifest says
}

// BuildError is a failed build; Messages are esbuild's, with file:line:col.
type BuildError struct{ Messages []string }

// Error joins the messages.
func (e *BuildError) Error() string { return "esbuild: " + strings.Join(e.Messages, "\n") }

// Build bundles the entry points of opts.Dir. A missing or empty folder is
// an empty bundle.
func Build(opts Options) (*Bundle, error) {
	entries, err := entryPoints(opts.Dir)
	if err != nil || len(entries) == 0 {
		return empty(), err
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return bundle(api.Build(buildOptions(abs, entries, opts.Production)))
}

// buildOptions are esbuild's options for the entry points of the folder
// abs.
func buildOptions(abs string, entries []string, production bool) api.BuildOptions {
	names := "[name]"
	if production {
		names = "[name]-[hash]"
	}
	return api.BuildOptions{
		EntryPoints:       entries,
		AbsWorkingDir:     abs,
		Bundle:            true,
		Write:             false,
		Outdir:            "out",
		EntryNames:        names,
		AssetNames:        names,
		ChunkNames:        names,
		Metafile:          true,
		MinifyWhitespace:  production,
		MinifyIdentifiers: production,
		MinifySyntax:      production,
		Sourcemap:         map[bool]api.SourceMap{false: api.SourceMapInline, true: api.SourceMapNone}[production],
		Target:            api.ES2020,
		Format:            api.FormatESModule,
		LogLevel:          api.LogLevelSilent,
	}
}

// bundle turns esbuild's result into a Bundle, or its errors into a
// BuildError.
func bundle(res api.BuildResult) (*Bundle, error) {
	if len(res.Errors) > 0 {
		return nil, buildError(res.Errors)
	}
	b := &Bundle{files: map[string][]byte{}, manifest: map[string]string{}}
	for _, f := range res.OutputFiles {
		b.files[filepath.Base(f.Path)] = f.Contents
	}
	if err := b.readMetafile(res.Metafile); err != nil {
		return nil, err
	}
	b.hash = b.digest()
	return b, nil
}

func buildError(errs []api.Message) *BuildError {
	msgs := api.FormatMessages(errs, api.FormatMessagesOptions{Kind: api.ErrorMessage})
	for i, m := range msgs {
		msgs[i] = strings.TrimSpace(m)
	}
	return &BuildError{Messages: msgs}
}

// BuildFS bundles an assets folder held in fsys (an embedded assets/),
// by copying it to a temporary folder for esbuild.
func BuildFS(fsys fs.FS, production bool) (*Bundle, error) {
	tmp, err := os.MkdirTemp("", "gox-assets")
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, fsys); err != nil {
		return nil, fmt.Errorf("assets: copy: %w", err)
	}
	return Build(Options{Dir: tmp, Production: production})
}

func entryPoints(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	var out []string
	for _, e := range ents {
		if _, ok := entryExts[path.Ext(e.Name())]; ok && !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, "./"+e.Name())
		}
	}
	return out, nil
}

// readMetafile maps each entry point (and the CSS a script imports) to its
// output file.
func (b *Bundle) readMetafile(meta string) error {
	var m struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
			CSSBundle  string `json:"cssBundle"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return fmt.Errorf("assets: metafile: %w", err)
	}
	outs := make([]string, 0, len(m.Outputs))
	for o := range m.Outputs {
		outs = append(outs, o)
	}
	sort.Strings(outs)
	for _, o := range outs {
		info := m.Outputs[o]
		if info.EntryPoint == "" {
			continue
		}
		base := strings.TrimSuffix(path.Base(info.EntryPoint), path.Ext(info.EntryPoint))
		b.manifest[base+entryExts[path.Ext(info.EntryPoint)]] = path.Base(o)
		if info.CSSBundle != "" {
			if _, taken := b.manifest[base+".css"]; !taken {
				b.manifest[base+".css"] = path.Base(info.CSSBundle)
			}
		}
	}
	return nil
}

// DevNames returns a bundle without files whose URLs are development
// names (app.ts is /_gox/assets/app.js): an app in development links the
// files gox dev bundles and serves without building them itself.
func DevNames() *Bundle {
	b := empty()
	b.stable = true
	return b
}

// empty is the bundle of a folder without entry points.
func empty() *Bundle {
	b := &Bundle{files: map[string][]byte{}, manifest: map[string]string{}}
	b.hash = b.digest()
	return b
}

func (b *Bundle) digest() string {
	h := sha256.New()
	names := make([]string, 0, len(b.files))
	for n := range b.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(b.files[n]))
		h.Write(b.files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Hash digests every output file: a new hash means pages that embed asset
// URLs must be rendered again.
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
func (b *Bundle) Manifest() map[string]string {
	out := make(map[string]string, len(b.manifest))
	for k, v := range b.manifest {
		out[k] = v
	}
	return out
}

// Files returns the output file names, sorted.
func (b *Bundle) Files() []string {
	out := make([]string, 0, len(b.files))
	for n := range b.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
