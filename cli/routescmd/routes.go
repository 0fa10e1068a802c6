// Package routescmd implements gox routes and gox generate: the first
// prints an app's route table, the second writes it as gox_routes.go.
//
// Example:
//
//	gox routes --dir ./shop
//	gox generate --dir ./shop
package routescmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/gen"
)

// Routes is gox routes.
var Routes = command.Command{Name: "routes", Summary: "print the app's route table", Run: runRoutes}

// Generate is gox generate.
var Generate = command.Command{Name: "generate", Summary: "generate templ code and gox_routes.go", Run: runGenerate}

// DirFlag parses the --dir flag shared by commands that work on an app
// folder, and checks the folder exists.
func DirFlag(name string, args []string, more func(fs *flag.FlagSet)) (string, error) {
	fs := flag.NewFlagSet("gox "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", ".", "the app folder")
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return "", command.Usagef("gox "+name+" [--dir DIR]", "%v", err)
	}
	if fs.NArg() > 0 {
		return "", command.Usagef("gox "+name+" [--dir DIR]", "unexpected argument %q", fs.Arg(0))
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		return "", command.Usagef("--dir names the app folder, the one with routes/ in it", "no folder %s", *dir)
	}
	return *dir, nil
}

func runRoutes(ctx context.Context, env command.Env) error {
	dir, err := DirFlag("routes", env.Args, nil)
	if err != nil {
		return err
	}
	if err := gen.Templ(ctx, dir); err != nil {
		return command.WithHint(err, "fix the .templ file named above")
	}
	t, err := gen.Scan(dir)
	if err != nil {
		return command.WithHint(err, "see docs/routing.md for the page contract")
	}
	return PrintTable(env.Stdout, t, nil)
}

func runGenerate(ctx context.Context, env command.Env) error {
	dir, err := DirFlag("generate", env.Args, nil)
	if err != nil {
		return err
	}
	t, err := gen.Generate(ctx, dir)
	if err != nil {
		return command.WithHint(err, "see docs/routing.md for the page contract")
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %d pages, %d handlers\n", gen.OutputFile, len(t.Pages), len(t.Handlers))
	return nil
}

// Built is what gox build adds to a route's row: pages prerendered and
// their bytes.
type Built struct {
	Pages int
	Bytes int
}

// PrintTable prints the route table; built, if not nil, adds the pages
// prerendered per route.
func PrintTable(w io.Writer, t *gen.Table, built map[string]Built) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "ROUTE\tKIND\tREVALIDATE\tTAGS\tACTIONS"
	if built != nil {
		header += "\tPAGES\tBYTES"
	}
	fmt.Fprintln(tw, header)
	for _, p := range t.Pages {
		actions := ""
		if p.Actions {
			actions = "yes"
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", p.Pattern, p.Kind(), p.RevalidateString(), p.TagsString(), actions)
		if built != nil {
			b := built[p.Pattern]
			row += fmt.Sprintf("\t%d\t%s", b.Pages, bytesString(b.Bytes))
		}
		fmt.Fprintln(tw, row)
	}
	for _, h := range t.Handlers {
		kind := "handler"
		if h.Cached() {
			kind = "cached handler"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", h.Pattern, kind, h.RevalidateString(), h.TagsString(), h.Methods)
	}
	return tw.Flush()
}

func bytesString(n int) string {
	switch {
	case n == 0:
		return "-"
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
