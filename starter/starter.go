// Package starter holds the app that gox new writes: a root layout, a home
// page with Revalidate, a parameterized page with StaticParams and a form
// action, assets, static files, a test and a Dockerfile that ships the app
// as one static binary. Files ending in .tmpl are Go
// templates filled with Data; "gitignore" and "dockerignore" become
// ".gitignore" and ".dockerignore".
//
// Example:
//
//	err := starter.Write("shop", starter.Data{Module: "example.com/shop", Name: "shop"})
package starter

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"text/template"
)

//go:embed all:_app
var files embed.FS

// Data fills the templates.
type Data struct {
	// Module is the new app's module path.
	Module string
	// Name is the app's name (its folder).
	Name string
	// GoxVersion is the framework version to require.
	GoxVersion string
	// Replace, when set, points the framework module at a local checkout.
	Replace string
}

// Write writes the starter app into dir, which must not exist or be empty.
func Write(dir string, d Data) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return fs.WalkDir(files, "_app", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "_app/")
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".tmpl") {
			rel = strings.TrimSuffix(rel, ".tmpl")
			t, err := template.New(rel).Parse(string(body))
			if err != nil {
				return fmt.Errorf("starter %s: %w", rel, err)
			}
			var b bytes.Buffer
			if err := t.Execute(&b, d); err != nil {
				return fmt.Errorf("starter %s: %w", rel, err)
			}
			body = b.Bytes()
		}
		if b := path.Base(rel); b == "gitignore" || b == "dockerignore" {
			rel = path.Join(path.Dir(rel), "."+b)
		}
		out := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, body, 0o644)
	})
}

// Checkout returns the gox source checkout this binary was built from, or
// "" when it was not built from one: a release installed from the module
// proxy compiles from the module cache, whose folders are named
// module@version, and a -trimpath build records no folder at all.
func Checkout() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root := filepath.Dir(filepath.Dir(file))
	if strings.Contains(filepath.Base(root), "@") {
		return ""
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(root, "framework", "doc.go")); err != nil {
		return ""
	}
	return root
}
