// Package buildcmd implements gox build: generate code, compile the app to
// bin/NAME, prerender every static page into the cache, and print the
// route table.
//
// Example:
//
//	gox build --dir ./shop   # writes shop/bin/shop and shop/.gox/cache.db
package buildcmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/cli/routescmd"
	"github.com/goxweb/gox/framework/assets/bundle"
)

// New returns gox build.
func New() *cobra.Command {
	var o options
	c := &cobra.Command{
		Use:   "build",
		Short: "compile the app and prerender its pages",
		Long: "gox build generates the app's code, bundles its assets, compiles it to bin/NAME and prerenders\n" +
			"every static page into the cache. bin/NAME is replaced only when the whole build succeeds.",
		Example: "  gox build --dir ./shop\n  gox build --static -o /tmp/shop",
		Args:    command.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return run(c.Context(), command.EnvOf(c, nil), o) },
	}
	o.dir = command.DirFlag(c)
	f := c.Flags()
	f.StringVarP(&o.out, "output", "o", "", "the binary to write (default: bin/ and the folder's name)")
	f.BoolVar(&o.noPrerender, "no-prerender", false, "compile only; every page renders on its first request")
	return c
}

// options are gox build's flags.
type options struct {
	dir         *string
	out         string
	noPrerender bool
}

func run(ctx context.Context, env command.Env, o options) error {
	if err := command.AppDir(*o.dir); err != nil {
		return err
	}
	dir, out, noPrerender := *o.dir, o.out, o.noPrerender
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join("bin", filepath.Base(abs))
	}
	binary := out
	if !filepath.IsAbs(binary) {
		binary = filepath.Join(abs, out)
	}
	start := time.Now()
	table, err := gen.Generate(ctx, dir)
	if err != nil {
		return command.WithHint(err, "see docs/routing.md for the page contract")
	}
	id, err := buildID(abs)
	if err != nil {
		return err
	}
	if err := bundleAssets(abs, table.Assets); err != nil {
		return err
	}
	if err := compile(ctx, abs, binary, id, env.Stderr); err != nil {
		return command.WithHint(err, "the compiler's messages are above")
	}
	compiled := time.Since(start)
	built := map[string]routescmd.Built{}
	var pages []page
	if !noPrerender {
		pages, err = prerender(ctx, binary, abs, nil, env.Stderr, true)
		if err != nil {
			return command.WithHint(err, prerenderHint(err))
		}
		for _, p := range pages {
			b := built[p.Route]
			b.Pages++
			b.Bytes += p.Bytes
			built[p.Route] = b
		}
	}
	if err := routescmd.PrintTable(env.Stdout, table, built); err != nil {
		return err
	}
	rendering := time.Since(start) - compiled
	fmt.Fprintf(env.Stdout, "\nbuilt %s (build %s) in %s; prerendered %d pages in %s\n",
		out, id, compiled.Round(time.Millisecond), len(pages), rendering.Round(time.Millisecond))
	return nil
}

// bundleAssets bundles the app's assets/ once, minified and named by
// content hash, into .gox/bundle, which gox_bundle.go embeds in the
// binary: the app serves it as is and bundles nothing when it starts. An
// app without assets gets no bundle (and loses a stale one).
func bundleAssets(dir string, hasAssets bool) error {
	out := filepath.Join(dir, filepath.FromSlash(gen.BundleDir))
	if !hasAssets {
		if err := os.RemoveAll(out); err != nil {
			return fmt.Errorf("assets: %w", err)
		}
		return nil
	}
	b, err := bundle.Build(bundle.Options{Dir: filepath.Join(dir, "assets"), Production: true})
	if err != nil {
		return command.WithHint(err, "fix the asset named above; see docs/assets.md")
	}
	if err := bundle.Write(b, out); err != nil {
		return err
	}
	return nil
}
