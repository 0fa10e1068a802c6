// Package gen reads an app's routes/ folder and writes its route table,
// gox_routes.go, as Go code. It runs templ's generator first, then reads
// each route package's exported names with go/types, checks them against
// the page contract and wires only what exists.
//
// Example:
//
//	table, err := gen.Generate(ctx, "./shop") // writes shop/gox_routes.go
//	for _, p := range table.Pages {
//		fmt.Println(p.Pattern, p.Kind())
//	}
package gen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/a-h/templ/cmd/templ/generatecmd"
)

// OutputFile is the name of the generated route table.
const OutputFile = "gox_routes.go"

// BundleFile is the name of the generated file that embeds the bundle of
// assets/ in binaries gox build compiles (see Table.BundleSource).
const BundleFile = "gox_bundle.go"

// BundleDir is the folder of an app gox build writes its assets' bundle
// to, and BundleFile embeds.
const BundleDir = ".gox/bundle"

// BundleTag is the build tag that compiles BundleFile in.
const BundleTag = "gox_bundle"

// Generate runs templ generation, writes dir/links (WriteLinks), scans
// dir/routes and writes dir/gox_routes.go and dir/gox_bundle.go when their
// content changed. It returns the table.
func Generate(ctx context.Context, dir string) (*Table, error) {
	if err := Templ(ctx, dir); err != nil {
		return nil, err
	}
	if _, err := WriteLinks(dir); err != nil {
		return nil, err
	}
	t, err := Scan(dir)
	if err != nil {
		return nil, err
	}
	if _, err := t.WriteFile(dir); err != nil {
		return nil, err
	}
	return t, nil
}

// WriteFile writes the table to dir/gox_routes.go, and dir/gox_bundle.go
// when the app has assets (removing a stale one when it has none), unless
// the files already hold that (an unchanged file keeps go build's cache
// warm), and reports whether it wrote.
func (t *Table) WriteFile(dir string) (changed bool, err error) {
	src, err := t.Source()
	if err != nil {
		return false, err
	}
	changed, err = writeIfChanged(filepath.Join(dir, OutputFile), src)
	if err != nil {
		return false, err
	}
	bundle := filepath.Join(dir, BundleFile)
	if src := t.BundleSource(); src != nil {
		c, err := writeIfChanged(bundle, src)
		return changed || c, err
	}
	if err := os.Remove(bundle); err == nil {
		changed = true
	} else if !os.IsNotExist(err) {
		return false, fmt.Errorf("remove %s: %w", BundleFile, err)
	}
	return changed, nil
}

func writeIfChanged(path string, src []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, src) {
		return false, nil
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		return false, fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return true, nil
}

// Templ generates Go code for every .templ file below dir with templ's own
// generator (the version in go.mod, so generator and runtime match).
func Templ(ctx context.Context, dir string) error {
	var stderr bytes.Buffer
	args := []string{"-path", dir, "-log-level", "error", "-include-version=false"}
	if err := generatecmd.Run(ctx, &bytes.Buffer{}, &stderr, args); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		// templ logs "(✗) Error [ error=... ]"; keep what a person reads.
		if _, m, ok := strings.Cut(msg, "error="); ok {
			msg = strings.TrimSuffix(strings.TrimSpace(m), "]")
		}
		if abs, err := filepath.Abs(dir); err == nil {
			msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "")
		}
		return fmt.Errorf("templ: %s", strings.TrimSpace(msg))
	}
	return nil
}
