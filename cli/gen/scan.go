package gen

import (
	"fmt"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"

	"github.com/goxweb/gox/framework/route"
)

// routeDir is one folder under routes/ and the route files it holds.
type routeDir struct {
	rel     string // relative to routes/, slash-separated, "" for the root
	pattern string
	files   map[string]bool
	pkg     *packages.Package
	alias   string // import alias in gox_routes.go
	// The layout's Head variable, Load function and Tags expression, or "".
	head, layoutLoad, layoutTags string
}

// layoutExpr is the expression of the folder's layout in Page.Layouts.
func (d *routeDir) layoutExpr() string {
	if d.layoutLoad != "" {
		return "page.LayoutWithLoad(" + d.alias + "." + d.layoutLoad + ", " + d.alias + ".Layout)"
	}
	return d.alias + ".Layout"
}

// Scan reads dir/routes without writing anything. Templ files must have
// been generated (see Templ).
func Scan(dir string) (*Table, error) {
	pkgPath, err := importPath(dir)
	if err != nil {
		return nil, err
	}
	t := &Table{Module: pkgPath, imports: map[string]string{}}
	dirs, err := walk(dir)
	if err != nil {
		return nil, err
	}
	if err := load(dir, dirs); err != nil {
		return nil, err
	}
	byRel := map[string]*routeDir{}
	for _, d := range dirs {
		byRel[d.rel] = d
	}
	aliases := map[string]bool{}
	for _, d := range dirs {
		alias := aliasFor(d.rel, aliases)
		t.imports[alias] = t.Module + "/" + path.Join("routes", d.rel)
		d.alias = alias
	}
	for _, d := range dirs {
		if d.files["page.templ"] && d.files["route.go"] {
			return nil, fmt.Errorf("routes/%s: page.templ and route.go in one folder; a folder is either a page or an endpoint", d.rel)
		}
		c := &checker{dir: dir, pkg: d.pkg}
		if err := c.components(d); err != nil {
			return nil, err
		}
		if d.files["layout.templ"] {
			if err := c.layout(d); err != nil {
				return nil, err
			}
		} else if d.files["layout.go"] {
			return nil, fileErr(c.filePos(d, "layout.go"), "layout.go without layout.templ: what it declares belongs to a layout and would be ignored; add layout.templ with templ Layout() { ... { children... } ... }, or move the page's names to page.go")
		}
		if d.files["middleware.go"] {
			m, err := c.middleware(d)
			if err != nil {
				return nil, err
			}
			t.Middleware = append(t.Middleware, m)
		}
		switch {
		case d.files["page.templ"]:
			p, err := scanPage(dir, d)
			if err != nil {
				return nil, err
			}
			resolveNearest(p, d.rel, byRel)
			t.Pages = append(t.Pages, p)
		case d.files["route.go"]:
			h, err := scanHandler(dir, d)
			if err != nil {
				return nil, err
			}
			t.Handlers = append(t.Handlers, h)
		}
	}
	if root := byRel[""]; root != nil {
		t.NotFound, t.Layout = root.files["not_found.templ"], root.files["layout.templ"]
		if root.head != "" {
			t.RootHead = root.alias + "." + root.head
		}
		if t.Layout {
			t.RootLayout, t.RootLayoutTags = root.layoutExpr(), root.layoutTags
		}
	}
	sort.Slice(t.Pages, func(i, j int) bool { return t.Pages[i].Pattern < t.Pages[j].Pattern })
	sort.Slice(t.Handlers, func(i, j int) bool { return t.Handlers[i].Pattern < t.Handlers[j].Pattern })
	sort.Slice(t.Middleware, func(i, j int) bool { return t.Middleware[i].Pattern < t.Middleware[j].Pattern })
	if err := checkConflicts(t); err != nil {
		return nil, err
	}
	t.pruneImports()
	t.Assets, t.Static = hasFiles(filepath.Join(dir, "assets")), hasFiles(filepath.Join(dir, "static"))
	return t, nil
}

// hasFiles reports whether dir holds a file go:embed would take (not a dot
// or underscore file): embedding an empty folder does not compile.
func hasFiles(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		name := d.Name()
		if p != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			found = true
		}
		return nil
	})
	return found
}

// importPath returns the import path of the package in dir, from the
// nearest go.mod at or above it: an app is usually a module of its own, but
// may sit inside one (as gox's examples do).
func importPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		mod, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			m := modfile.ModulePath(mod)
			if m == "" {
				return "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
			}
			rel, _ := filepath.Rel(d, abs)
			return path.Join(m, filepath.ToSlash(rel)), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above; run gox in an app folder", abs)
		}
	}
}

// routeFiles are the files that make a folder part of the route table.
var routeFiles = []string{"page.templ", "layout.templ", "layout.go", "not_found.templ", "error.templ", "route.go", "middleware.go"}

// walk lists the folders under dir/routes that hold route files, checking
// every folder name on the way.
func walk(dir string) ([]*routeDir, error) {
	root := filepath.Join(dir, "routes")
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("no routes/ folder in %s; pages live in routes/<path>/page.templ", dir)
	}
	var dirs []*routeDir
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		if rel != "" && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		pattern, err := route.FromDir(rel)
		if err != nil {
			return fmt.Errorf("routes/%s: %s", rel, strings.TrimPrefix(err.Error(), route.ErrFolder.Error()+": "+rel+": "))
		}
		rd := &routeDir{rel: rel, pattern: pattern, files: map[string]bool{}}
		for _, f := range routeFiles {
			if _, err := os.Stat(filepath.Join(p, f)); err == nil {
				rd.files[f] = true
			}
		}
		if len(rd.files) > 0 {
			dirs = append(dirs, rd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dirs, nil
}

// load type-checks the route packages.
func load(dir string, dirs []*routeDir) error {
	if len(dirs) == 0 {
		return nil
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:  dir,
	}
	var patterns []string
	for _, d := range dirs {
		patterns = append(patterns, "./"+path.Join("routes", d.rel))
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("load routes: %w", err)
	}
	byDir := map[string]*packages.Package{}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return fmt.Errorf("%s", relPos(dir, p.Errors[0].Error()))
		}
		if len(p.GoFiles) > 0 {
			byDir[filepath.Dir(p.GoFiles[0])] = p
		}
	}
	abs, _ := filepath.Abs(dir)
	for _, d := range dirs {
		d.pkg = byDir[filepath.Join(abs, "routes", filepath.FromSlash(d.rel))]
		if d.pkg == nil {
			return fmt.Errorf("routes/%s: no Go package (were its .templ files generated?)", d.rel)
		}
	}
	return nil
}

// relPos shortens absolute file names in msg to paths relative to dir.
func relPos(dir, msg string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "")
	}
	return msg
}

// aliasFor returns a unique import alias for a routes folder:
// "products/id_" -> "routes_products_id".
func aliasFor(rel string, used map[string]bool) string {
	a := "routes"
	for seg := range strings.SplitSeq(rel, "/") {
		if seg = strings.Trim(strings.NewReplacer("-", "_", ".", "_").Replace(seg), "_"); seg != "" {
			a += "_" + seg
		}
	}
	base := a
	for i := 2; used[a]; i++ {
		a = fmt.Sprintf("%s%d", base, i)
	}
	used[a] = true
	return a
}

// resolveNearest fills the page's layouts (every one up the tree) and its
// nearest not-found and error pages.
func resolveNearest(p *Page, rel string, byRel map[string]*routeDir) {
	chain := []string{""}
	if rel != "" {
		parts := strings.Split(rel, "/")
		for i := range parts {
			chain = append(chain, strings.Join(parts[:i+1], "/"))
		}
	}
	for _, r := range chain {
		d := byRel[r]
		if d == nil {
			continue
		}
		if d.files["layout.templ"] {
			p.Layouts = append(p.Layouts, d.alias)
			p.LayoutExprs = append(p.LayoutExprs, d.layoutExpr())
			if d.head != "" {
				p.LayoutHeads = append(p.LayoutHeads, d.alias+"."+d.head)
			}
			if d.layoutTags != "" {
				p.LayoutTags = append(p.LayoutTags, d.layoutTags)
			}
		}
		if d.files["not_found.templ"] {
			p.NotFound = d.alias
		}
		if d.files["error.templ"] {
			p.Error = d.alias
		}
	}
}

// checkConflicts reports two routes that match the same paths.
func checkConflicts(t *Table) error {
	r := route.NewRouter[string]()
	for _, p := range t.Pages {
		if err := r.Add(p.Pattern, p.Dir); err != nil {
			return fmt.Errorf("%s: %w", p.Dir, err)
		}
	}
	for _, h := range t.Handlers {
		if err := r.Add(h.Pattern, h.Dir); err != nil {
			return fmt.Errorf("%s: %w", h.Dir, err)
		}
	}
	return nil
}

// pruneImports keeps only the packages the table refers to.
func (t *Table) pruneImports() {
	used := map[string]bool{}
	for _, p := range t.Pages {
		used[p.Alias] = true
		for _, l := range p.Layouts {
			used[l] = true
		}
		used[p.NotFound], used[p.Error] = true, true
	}
	for _, h := range t.Handlers {
		used[h.Alias] = true
	}
	for _, m := range t.Middleware {
		used[m.Alias] = true
	}
	if t.NotFound || t.Layout {
		used["routes"] = true
	}
	for a := range t.imports {
		if !used[a] {
			delete(t.imports, a)
		}
	}
}

// object looks up an exported name in a package's scope.
func object(pkg *types.Package, name string) types.Object { return pkg.Scope().Lookup(name) }
