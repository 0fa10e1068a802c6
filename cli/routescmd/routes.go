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
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/gen"
)

// Routes returns gox routes.
func Routes() *cobra.Command {
	c := &cobra.Command{
		Use:     "routes",
		Short:   "print the app's route table",
		Example: "  gox routes --dir ./shop",
		Args:    command.NoArgs,
	}
	dir := command.DirFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := command.AppDir(*dir); err != nil {
			return err
		}
		return runRoutes(c.Context(), c.OutOrStdout(), *dir)
	}
	return c
}

// Generate returns gox generate.
func Generate() *cobra.Command {
	c := &cobra.Command{
		Use:     "generate",
		Short:   "generate templ code and gox_routes.go",
		Example: "  gox generate --dir ./shop",
		Args:    command.NoArgs,
	}
	dir := command.DirFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := command.AppDir(*dir); err != nil {
			return err
		}
		return runGenerate(c.Context(), c.OutOrStdout(), *dir)
	}
	return c
}

func runRoutes(ctx context.Context, w io.Writer, dir string) error {
	if err := gen.Templ(ctx, dir); err != nil {
		return command.WithHint(err, "fix the .templ file named above")
	}
	t, err := gen.Scan(dir)
	if err != nil {
		return command.WithHint(err, "see docs/routing.md for the page contract")
	}
	return PrintTable(w, t, nil)
}

func runGenerate(ctx context.Context, w io.Writer, dir string) error {
	t, err := gen.Generate(ctx, dir)
	if err != nil {
		return command.WithHint(err, "see docs/routing.md for the page contract")
	}
	fmt.Fprintf(w, "wrote %s: %d pages, %d handlers\n", gen.OutputFile, len(t.Pages), len(t.Handlers))
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
