// Package newcmd implements gox new: it writes the starter app, resolves
// its modules and generates its code, so the app builds, vets and tests at
// once.
//
// Example:
//
//	gox new shop --module example.com/shop
package newcmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/cli/versioncmd"
	"github.com/goxweb/gox/starter"
)

// New returns gox new.
func New() *cobra.Command {
	var modPath string
	usage := "gox new NAME [--module PATH]"
	c := &cobra.Command{
		Use:     "new NAME",
		Short:   "create an app from the starter",
		Long:    "gox new writes the starter app into the folder NAME, resolves its modules and generates its code,\nso the app builds, vets and tests at once.",
		Example: "  gox new shop --module example.com/shop",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return command.Usagef(usage, "want one app name, got %d", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return run(c.Context(), command.EnvOf(c, args), modPath) },
	}
	c.Flags().StringVar(&modPath, "module", "", "the module path (default: the folder name)")
	return c
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// develVersion is the framework version a go.mod requires when a replace
// directive points at a checkout.
const develVersion = "v0.0.0-00010101000000-000000000000"

func run(ctx context.Context, env command.Env, modPath string) error {
	args := env.Args
	dir := args[0]
	name := filepath.Base(dir)
	if !validName.MatchString(name) {
		return command.Usagef("use lowercase letters, digits, '-' and '_', starting with a letter", "bad app name %q", name)
	}
	if modPath == "" {
		modPath = name
	}
	if err := module.CheckImportPath(modPath); err != nil {
		return command.Usagef("--module takes a Go module path, e.g. --module example.com/shop", "bad module path: %v", err)
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return command.WithHint(fmt.Errorf("%s exists and is not empty", dir), "pick a new name, or empty the folder")
	}
	d := starter.Data{Module: modPath, Name: name, GoxVersion: versioncmd.Version()}
	// A gox built from a checkout (its version "(devel)", or a local
	// pseudo-version go build stamped from git) resolves the framework
	// from that checkout; a release requires its own version.
	if root := starter.Checkout(); root != "" {
		d.GoxVersion, d.Replace = develVersion, root
	} else if !strings.HasPrefix(d.GoxVersion, "v") {
		return command.WithHint(fmt.Errorf("this gox was built without its source checkout"), "install a release: go install github.com/goxweb/gox/cli/gox@latest")
	}
	if err := starter.Write(dir, d); err != nil {
		return fmt.Errorf("write starter: %w", err)
	}
	if d.Replace != "" {
		// The app needs a subset of the framework's modules: their checksums
		// are already known, so go mod tidy need not ask the checksum
		// database (which an offline machine cannot reach).
		if err := copyFile(filepath.Join(d.Replace, "go.sum"), filepath.Join(dir, "go.sum")); err != nil {
			return fmt.Errorf("write starter: %w", err)
		}
	}
	fmt.Fprintf(env.Stderr, "wrote %s; resolving modules...\n", dir)
	if err := gen.Templ(ctx, dir); err != nil {
		return err
	}
	// The routes import links/: it must exist for go mod tidy to see it
	// as the app's own package.
	if _, err := gen.WriteLinks(dir); err != nil {
		return err
	}
	if err := goCmd(ctx, dir, "mod", "tidy"); err != nil {
		return command.WithHint(err, "go mod tidy needs the Go module proxy (or a warm module cache)")
	}
	if _, err := gen.Generate(ctx, dir); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Created %s (module %s).\n\n  cd %s\n  gox dev\n\nThen open http://127.0.0.1:3000 and edit %s.\n",
		dir, modPath, dir, filepath.Join("routes", "page.templ"))
	return nil
}

func goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
