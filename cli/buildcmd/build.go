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
	"strings"
	"text/tabwriter"
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
			"every static page into the cache. bin/NAME is replaced only when the whole build succeeds.\n" +
			"GOOS and GOARCH cross-compile, with the C cross compiler in CC (or Debian's TRIPLET-gcc).",
		Example: "  gox build --dir ./shop\n  gox build --static -o /tmp/shop\n  GOOS=linux GOARCH=arm64 gox build --static",
		Args:    command.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return run(c.Context(), command.EnvOf(c, nil), o) },
	}
	o.dir = command.DirFlag(c)
	f := c.Flags()
	f.StringVarP(&o.out, "output", "o", "", "the binary to write (default: bin/ and the folder's name)")
	f.BoolVar(&o.noPrerender, "no-prerender", false, "compile only; every page renders on its first request")
	f.BoolVar(&o.keepGoing, "keep-going", false, "ship even if pages fail to prerender; they are listed, and render on their first request")
	f.BoolVar(&o.static, "static", false, "link statically, SQLite included: the binary runs with no shared library")
	return c
}

// options are gox build's flags.
type options struct {
	dir         *string
	out         string
	noPrerender bool
	keepGoing   bool
	static      bool
}

func run(ctx context.Context, env command.Env, o options) error {
	if err := command.AppDir(*o.dir); err != nil {
		return err
	}
	dir := *o.dir
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = filepath.Join("bin", filepath.Base(abs))
	}
	binary := out
	if !filepath.IsAbs(binary) {
		binary = filepath.Join(abs, out)
	}
	// Before anything is compiled: a build that cannot work stops here.
	tgt, err := findTarget(ctx, abs, os.Getenv)
	if err != nil {
		return err
	}
	if o.static && tgt.goos != "linux" {
		return command.Usagef("drop --static: on "+tgt.goos+" the system's C library is always there", "--static links Linux binaries only, not %s", tgt)
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
	// The new binary is written beside the old one and replaces it only
	// once the whole build succeeded: a failed build leaves it as it was.
	if err := os.MkdirAll(filepath.Dir(binary), 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(binary), ".gox-build-")
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer os.RemoveAll(tmp)
	next := filepath.Join(tmp, filepath.Base(binary))
	if err := compile(ctx, abs, next, id, tgt.env(), o.static, env.Stderr); err != nil {
		return command.WithHint(err, "the compiler's messages are above")
	}
	compiled := time.Since(start)
	built := map[string]routescmd.Built{}
	var pages, failed []page
	if !o.noPrerender {
		renderer := next
		if tgt.cross() {
			// The binary cannot run here: a native build of the same code
			// and build id renders the same pages.
			renderer = filepath.Join(tmp, "host")
			if err := compile(ctx, abs, renderer, id, tgt.hostEnv(), false, env.Stderr); err != nil {
				return command.WithHint(fmt.Errorf("native build to prerender %s: %w", tgt, err), "the compiler's messages are above")
			}
		}
		pages, failed, err = prerender(ctx, renderer, abs, nil, env.Stderr, o.keepGoing)
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
	if err := os.Rename(next, binary); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if err := routescmd.PrintTable(env.Stdout, table, built); err != nil {
		return err
	}
	rendering := time.Since(start) - compiled
	kind := ""
	if o.static {
		kind = ", static"
	}
	if tgt.cross() {
		kind += ", " + tgt.String()
	}
	fmt.Fprintf(env.Stdout, "\nbuilt %s (build %s%s) in %s; prerendered %s in %s\n",
		out, id, kind, compiled.Round(time.Millisecond), plural(len(pages), "page", "pages"), rendering.Round(time.Millisecond))
	if len(failed) > 0 {
		verb := "they render on their first request"
		if len(failed) == 1 {
			verb = "it renders on its first request"
		}
		fmt.Fprintf(env.Stdout, "\n%s failed to prerender; %s:\n", plural(len(failed), "page", "pages"), verb)
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		for _, p := range failed {
			fmt.Fprintf(tw, "  %s\t%s\n", where(p), oneLine(p.Error))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// oneLine keeps a listed error to one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
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
