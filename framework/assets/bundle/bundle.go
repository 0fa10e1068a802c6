// Package bundle bundles an app's assets/ folder with esbuild's Go API, in
// process (no Node), into an assets.Bundle. Every top-level .ts, .tsx,
// .js, .jsx and .css file is an entry point; what it imports is bundled
// in. For production (gox build) files are minified and named by content
// hash (app-5XK2J3.js), and Write puts them and their manifest in the
// folder the app binary embeds; in development (gox dev) a Builder keeps
// names stable (app.js) and rebuilds only what changed.
//
// Only the gox command imports this package: app binaries serve a bundle
// with package assets and never link esbuild.
//
// Example:
//
//	b, err := bundle.Build(bundle.Options{Dir: "assets", Production: true})
//	err = bundle.Write(b, ".gox/bundle") // app-5XK2J3.js, .manifest.json
package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/goxweb/gox/framework/assets"
)

// entryExts are the extensions of entry points.
var entryExts = map[string]string{".ts": ".js", ".tsx": ".js", ".js": ".js", ".jsx": ".js", ".css": ".css"}

// Options configure Build.
type Options struct {
	// Dir is the assets folder on disk.
	Dir string
	// Production minifies and names files by content hash.
	Production bool
}

// BuildError is a failed build; Messages are esbuild's, with file:line:col.
type BuildError struct{ Messages []string }

// Error joins the messages.
func (e *BuildError) Error() string { return "esbuild: " + strings.Join(e.Messages, "\n") }

// Build bundles the entry points of opts.Dir. A missing folder, or one
// without entry points, is an empty bundle.
func Build(opts Options) (*assets.Bundle, error) {
	entries, err := entryPoints(opts.Dir)
	if err != nil || len(entries) == 0 {
		if err != nil {
			return nil, err
		}
		return assets.New(nil, nil)
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return result(api.Build(buildOptions(abs, entries, opts.Production)))
}

// Write replaces the folder dir with the bundle: its files and
// assets.ManifestFile, which assets.Load reads back.
func Write(b *assets.Bundle, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	for _, name := range b.Files() {
		body, _ := b.File(name)
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("assets: %w", err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return fmt.Errorf("assets: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, assets.ManifestFile), b.ManifestJSON(), 0o644); err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	return nil
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

// result turns esbuild's result into a bundle, or its errors into a
// BuildError.
func result(res api.BuildResult) (*assets.Bundle, error) {
	if len(res.Errors) > 0 {
		return nil, buildError(res.Errors)
	}
	files := map[string][]byte{}
	for _, f := range res.OutputFiles {
		files[filepath.Base(f.Path)] = f.Contents
	}
	manifest, err := readMetafile(res.Metafile)
	if err != nil {
		return nil, err
	}
	return assets.New(files, manifest)
}

func buildError(errs []api.Message) *BuildError {
	msgs := api.FormatMessages(errs, api.FormatMessagesOptions{Kind: api.ErrorMessage})
	for i, m := range msgs {
		msgs[i] = strings.TrimSpace(m)
	}
	return &BuildError{Messages: msgs}
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
func readMetafile(meta string) (map[string]string, error) {
	var m struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
			CSSBundle  string `json:"cssBundle"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return nil, fmt.Errorf("assets: metafile: %w", err)
	}
	outs := make([]string, 0, len(m.Outputs))
	for o := range m.Outputs {
		outs = append(outs, o)
	}
	sort.Strings(outs)
	manifest := map[string]string{}
	for _, o := range outs {
		info := m.Outputs[o]
		if info.EntryPoint == "" {
			continue
		}
		base := strings.TrimSuffix(path.Base(info.EntryPoint), path.Ext(info.EntryPoint))
		manifest[base+entryExts[path.Ext(info.EntryPoint)]] = path.Base(o)
		if info.CSSBundle != "" {
			if _, taken := manifest[base+".css"]; !taken {
				manifest[base+".css"] = path.Base(info.CSSBundle)
			}
		}
	}
	return manifest, nil
}
