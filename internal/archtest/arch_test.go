package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const (
	module  = "github.com/goxweb/gox"
	fw      = module + "/framework"
	echo    = "github.com/labstack/echo/v4"
	esbuild = "github.com/evanw/esbuild"
)

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct, without test files
	Deps       []string // transitive
}

// listPackages lists every package of the module with its imports.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	for _, want := range []string{fw, fw + "/server", fw + "/isr", fw + "/cache", module + "/examples/store"} {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list did not list %s: the rules would check nothing", want)
		}
	}
	return pkgs
}

// under reports whether path is dir or below it.
func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// importsAny returns the first of imports that list names: a package
// path names itself, a path ending in "/..." that package and all below it.
func importsAny(imports []string, list ...string) (string, bool) {
	for _, imp := range imports {
		for _, l := range list {
			if dir, ok := strings.CutSuffix(l, "/..."); ok && under(imp, dir) || imp == l {
				return imp, true
			}
		}
	}
	return "", false
}

// TestArchitecture checks DESIGN section 6's dependency rules on the
// packages as they are. Each rule names the packages it covers and what
// they may not import (directly, or at all when transitive is set).
func TestArchitecture(t *testing.T) {
	t.Parallel()
	pkgs := listPackages(t)
	httpPkgs := []string{"net/http", echo, "github.com/a-h/templ/...", fw + "/httpcache", fw + "/server", fw + "/page"}
	rules := []struct {
		name       string
		covers     func(path string) bool
		forbidden  []string
		transitive bool
	}{
		{
			name: "echo is imported only by server and, for the handler type, page (and by apps' handlers)",
			covers: func(p string) bool {
				return (under(p, fw) || under(p, module+"/cli") || under(p, module+"/internal")) &&
					p != fw+"/server" && p != fw+"/page"
			},
			forbidden: []string{echo},
		},
		{
			name:      "isr imports no HTTP and no page-author package",
			covers:    func(p string) bool { return under(p, fw+"/isr") },
			forbidden: append(slices.Clone(httpPkgs), fw, fw+"/render", fw+"/action"),
		},
		{
			name:       "isr never depends on the server, the page contract or echo",
			covers:     func(p string) bool { return under(p, fw+"/isr") },
			forbidden:  []string{echo, "github.com/a-h/templ/...", fw, fw + "/httpcache", fw + "/server", fw + "/page"},
			transitive: true,
		},
		{
			name: "cache holds storage only: no freshness policy, no engine, no HTTP form, no pages",
			covers: func(p string) bool {
				return under(p, fw+"/cache")
			},
			forbidden:  []string{fw, fw + "/isr", fw + "/httpcache", fw + "/server", fw + "/page", fw + "/route", echo, "github.com/a-h/templ/..."},
			transitive: true,
		},
		{
			name:       "httpcache and route are used by the server, never the reverse",
			covers:     func(p string) bool { return under(p, fw+"/httpcache") || under(p, fw+"/route") },
			forbidden:  []string{fw + "/server", fw + "/isr", fw + "/page", echo},
			transitive: true,
		},
		{
			name:       "the page contract knows nothing of serving or the cache",
			covers:     func(p string) bool { return p == fw+"/page" },
			forbidden:  []string{fw + "/server", fw + "/isr", fw + "/cache", fw + "/httpcache"},
			transitive: true,
		},
		{
			name:       "purgers speak HTTP to CDNs and know nothing of pages, the engine or the server",
			covers:     func(p string) bool { return under(p, fw+"/purge") },
			forbidden:  []string{fw + "/server", fw + "/isr", fw + "/page", fw + "/httpcache", fw + "/cache", echo, "github.com/a-h/templ/..."},
			transitive: true,
		},
		{
			name:       "metrics and the inspector never depend on the server or echo",
			covers:     func(p string) bool { return under(p, fw+"/metrics") || under(p, fw+"/inspector") },
			forbidden:  []string{fw + "/server", fw + "/page", echo},
			transitive: true,
		},
		{
			// text/template finds methods by name at run time, so the
			// linker keeps every exported method of every type in a binary
			// that executes one: an app's grew from 17 to 27 MB. templ
			// imports html/template but never executes one.
			name:      "framework packages write HTML with templ, never html/template or text/template",
			covers:    func(p string) bool { return under(p, fw) },
			forbidden: []string{"html/template", "text/template"},
		},
		{
			name:      "no framework package imports the facade (apps do, and the test app is one)",
			covers:    func(p string) bool { return under(p, fw) && p != fw && !under(p, fw+"/internal") },
			forbidden: []string{fw},
		},
		{
			name:       "nothing under framework/ depends on cli/ or an example",
			covers:     func(p string) bool { return under(p, fw) },
			forbidden:  []string{module + "/cli/...", module + "/examples/...", module + "/starter/..."},
			transitive: true,
		},
		{
			name: "app binaries and framework packages do not link esbuild (only gox build and gox dev bundle)",
			covers: func(p string) bool {
				return (under(p, fw) && !under(p, fw+"/assets/bundle")) || under(p, module+"/examples")
			},
			forbidden:  []string{esbuild + "/..."},
			transitive: true,
		},
	}
	for _, r := range rules {
		covered := 0
		for path, p := range pkgs {
			if !r.covers(path) {
				continue
			}
			covered++
			list := p.Imports
			if r.transitive {
				list = p.Deps
			}
			if imp, ok := importsAny(list, r.forbidden...); ok {
				t.Errorf("%s: %s imports %s", r.name, path, imp)
			}
		}
		if covered == 0 {
			t.Errorf("%s: covers no package", r.name)
		}
	}
	// The esbuild rule must see esbuild where it is, or it sees nothing.
	if _, ok := importsAny(pkgs[fw+"/assets/bundle"].Deps, esbuild+"/..."); !ok {
		t.Errorf("%s/assets/bundle does not depend on esbuild: the esbuild rule checks nothing", fw)
	}
}
