package gen

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/goxweb/gox/framework/route"
)

const (
	pagePath  = "github.com/goxweb/gox/framework/page"
	headPath  = "github.com/goxweb/gox/framework/head"
	templPath = "github.com/a-h/templ"
	echoPath  = "github.com/labstack/echo/v4"
)

// checker reads one route package's exported names.
type checker struct {
	dir string // the app folder, for file names in errors
	pkg *packages.Package
}

func (c *checker) pos(obj types.Object) string {
	p := c.pkg.Fset.Position(obj.Pos())
	// Rel needs two absolute paths: with --dir . it would fail and leave
	// the absolute file name.
	if base, err := filepath.Abs(c.dir); err == nil {
		if rel, err := filepath.Rel(base, p.Filename); err == nil {
			p.Filename = filepath.ToSlash(rel)
		}
	}
	// Lines of templ's generated Go mean nothing to the author; name the
	// .templ file they wrote and the line that declares obj.
	if name, ok := strings.CutSuffix(p.Filename, "_templ.go"); ok {
		return name + ".templ" + templLine(filepath.Join(c.dir, filepath.FromSlash(name+".templ")), obj.Name())
	}
	return p.Filename + ":" + strconv.Itoa(p.Line)
}

// filePos returns "file:line" of the package clause of d's file name.
func (c *checker) filePos(d *routeDir, name string) string {
	for _, f := range c.pkg.Syntax {
		p := c.pkg.Fset.Position(f.Package)
		if filepath.Base(p.Filename) == name {
			return path.Join("routes", d.rel, name) + ":" + strconv.Itoa(p.Line)
		}
	}
	return path.Join("routes", d.rel, name) + ":1"
}

// templLine returns ":N" for the line of file that declares the templ
// component name, or "" if there is none.
func templLine(file, name string) string {
	src, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for i, line := range strings.Split(string(src), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "templ ")
		if ok && strings.HasPrefix(strings.TrimSpace(rest), name+"(") {
			return ":" + strconv.Itoa(i+1)
		}
	}
	return ""
}

// isNamed reports whether t is the named type pkgPath.name.
func isNamed(t types.Type, pkgPath, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Name() == name && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkgPath
}

func isPointerTo(t types.Type, pkgPath, name string) bool {
	p, ok := t.(*types.Pointer)
	return ok && isNamed(p.Elem(), pkgPath, name)
}

func isError(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }

func isStringSlice(t types.Type) bool {
	s, ok := types.Unalias(t).Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().(*types.Basic)
	return ok && b.Kind() == types.String
}

// funcSig returns obj's signature if obj is a function.
func funcSig(obj types.Object) *types.Signature {
	if f, ok := obj.(*types.Func); ok {
		return f.Type().(*types.Signature)
	}
	return nil
}

// componentFunc checks that obj is func(params...) templ.Component and
// returns its parameter types.
func (c *checker) componentFunc(obj types.Object, want string) ([]types.Type, error) {
	sig := funcSig(obj)
	if sig == nil || sig.Results().Len() != 1 || !isNamed(sig.Results().At(0).Type(), templPath, "Component") {
		return nil, fileErr(c.pos(obj), "%s must be a templ component (%s)", obj.Name(), want)
	}
	var params []types.Type
	for v := range sig.Params().Variables() {
		params = append(params, v.Type())
	}
	return params, nil
}

func scanPage(dir string, d *routeDir) (*Page, error) {
	c := &checker{dir: dir, pkg: d.pkg}
	tp := d.pkg.Types
	p := &Page{Pattern: d.pattern, Dir: path.Join("routes", d.rel), Alias: d.alias}
	pageObj := object(tp, "Page")
	if pageObj == nil {
		return nil, fileErr(p.Dir+"/page.templ:1", "no Page component; write templ Page() { ... }")
	}
	pageParams, err := c.componentFunc(pageObj, "templ Page() or templ Page(props T)")
	if err != nil {
		return nil, err
	}
	if len(pageParams) > 1 {
		return nil, fileErr(c.pos(pageObj), "Page takes %d parameters; it takes at most one, the result of Load: return one struct from Load and write templ Page(p T)", len(pageParams))
	}
	p.PageParam = len(pageParams) == 1
	if obj := c.pageObject("Load"); obj != nil {
		sig := funcSig(obj)
		ok := sig != nil && sig.Params().Len() == 1 && isPointerTo(sig.Params().At(0).Type(), pagePath, "Ctx") &&
			sig.Results().Len() == 2 && isError(sig.Results().At(1).Type())
		if !ok {
			return nil, fileErr(c.pos(obj), "Load must be func(*gox.Ctx) (T, error), where Page takes T")
		}
		t := sig.Results().At(0).Type()
		if !p.PageParam {
			return nil, fileErr(c.pos(obj), "Load returns %s but Page takes no parameter; write templ Page(p %s)", typeString(t, tp), typeString(t, tp))
		}
		if !types.AssignableTo(t, pageParams[0]) {
			return nil, fileErr(c.pos(obj), "Load returns %s but Page takes %s", typeString(t, tp), typeString(pageParams[0], tp))
		}
		p.Load = true
	} else if p.PageParam {
		return nil, fileErr(c.pos(pageObj), "Page takes %s but there is no Load to provide it; add func Load(c *gox.Ctx) (%s, error)",
			typeString(pageParams[0], tp), typeString(pageParams[0], tp))
	}
	if err := c.head(p, pageParams); err != nil {
		return nil, err
	}
	if err := c.revalidate(p); err != nil {
		return nil, err
	}
	if err := c.tags(p); err != nil {
		return nil, err
	}
	if obj := object(tp, "StaticParams"); obj != nil {
		sig := funcSig(obj)
		ok := sig != nil && sig.Params().Len() == 1 && isNamed(sig.Params().At(0).Type(), "context", "Context") &&
			sig.Results().Len() == 2 && isError(sig.Results().At(1).Type())
		if ok {
			s, isSlice := sig.Results().At(0).Type().(*types.Slice)
			ok = isSlice && isNamed(s.Elem(), pagePath, "Params")
		}
		if !ok {
			return nil, fileErr(c.pos(obj), "StaticParams must be func(context.Context) ([]gox.Params, error)")
		}
		p.StaticParams = true
	}
	if obj := object(tp, "DynamicParams"); obj != nil {
		k, ok := obj.(*types.Const)
		if !ok || k.Val().Kind() != constant.Bool {
			return nil, fileErr(c.pos(obj), "DynamicParams must be a bool constant: const DynamicParams = false")
		}
		v := constant.BoolVal(k.Val())
		p.DynamicParams = &v
	}
	if p.Query, err = c.query(); err != nil {
		return nil, err
	}
	if obj := object(tp, "Actions"); obj != nil {
		if _, ok := obj.(*types.Var); !ok || !isNamed(obj.Type(), pagePath, "Actions") {
			return nil, fileErr(c.pos(obj), `Actions must be a gox.Actions variable: var Actions = gox.Actions{"name": Func}`)
		}
		p.Actions = true
	}
	if err := c.paramsContract(p); err != nil {
		return nil, err
	}
	return p, nil
}

// paramsContract checks StaticParams and DynamicParams against the
// route's parameters.
func (c *checker) paramsContract(p *Page) error {
	pattern, err := route.Parse(p.Pattern)
	if err != nil {
		return err
	}
	if len(pattern.Params()) == 0 {
		for _, name := range []string{"StaticParams", "DynamicParams"} {
			if obj := object(c.pkg.Types, name); obj != nil {
				return fileErr(c.pos(obj), "%s is for pages with parameters (a folder like id_); %s has none, and gox build prerenders it anyway; remove %s", name, p.Pattern, name)
			}
		}
		return nil
	}
	if p.DynamicParams != nil && !*p.DynamicParams && !p.StaticParams {
		return fileErr(c.pos(object(c.pkg.Types, "DynamicParams")),
			"DynamicParams = false without StaticParams makes every URL of %s a 404; add func StaticParams(ctx context.Context) ([]gox.Params, error) listing the pages, or remove DynamicParams", p.Pattern)
	}
	return nil
}

// components checks the NotFound and Error components of a routes folder,
// page or not (layouts: see layout): the file that names one must declare it with the
// signature gox_routes.go calls. An endpoint folder's own names are its
// business unless it holds one of these files.
func (c *checker) components(d *routeDir) error {
	tp := c.pkg.Types
	for _, comp := range []struct{ file, name, want string }{
		{"not_found.templ", "NotFound", "templ NotFound() { ... }"},
		{"error.templ", "Error", "templ Error(err error) { ... }"},
	} {
		if !d.files[comp.file] && !d.files["page.templ"] {
			continue
		}
		obj := object(tp, comp.name)
		if obj == nil {
			if d.files[comp.file] {
				return fileErr(path.Join("routes", d.rel, comp.file)+":1", "no %s component; write %s", comp.name, comp.want)
			}
			continue
		}
		params, err := c.componentFunc(obj, comp.want)
		if err != nil {
			return err
		}
		ok := len(params) == 0
		if comp.name == "Error" {
			ok = len(params) == 1 && isError(params[0])
		}
		if !ok {
			return fileErr(c.pos(obj), "%s has the wrong parameters; write %s", comp.name, comp.want)
		}
	}
	return nil
}

// file returns the base name of the file that declares obj.
func (c *checker) file(obj types.Object) string {
	return filepath.Base(c.pkg.Fset.Position(obj.Pos()).Filename)
}

// isHead reports whether t is gox.Head.
func isHead(t types.Type) bool { return isNamed(t, headPath, "Head") }

// head reads the page's Head: a gox.Head variable, or a function of what
// Load returns (of gox.Params without Load) returning one. A Head in
// layout.go is the layout's (see layoutHead).
func (c *checker) head(p *Page, pageParams []types.Type) error {
	obj := c.pageObject("Head")
	if obj == nil {
		return nil
	}
	want := "func Head(p gox.Params) gox.Head (or a gox.Head variable)"
	if p.Load {
		want = fmt.Sprintf("func Head(p %s) gox.Head, of what Load returns (or a gox.Head variable)", typeString(pageParams[0], c.pkg.Types))
	}
	if v, ok := obj.(*types.Var); ok && isHead(v.Type()) {
		p.Head = "value"
		return nil
	}
	sig := funcSig(obj)
	if sig == nil || sig.Params().Len() != 1 || sig.Results().Len() != 1 || !isHead(sig.Results().At(0).Type()) {
		return fileErr(c.pos(obj), "Head must be %s", want)
	}
	arg := sig.Params().At(0).Type()
	if p.Load && !types.AssignableTo(pageParams[0], arg) || !p.Load && !isNamed(arg, pagePath, "Params") {
		return fileErr(c.pos(obj), "Head takes %s; write %s", typeString(arg, c.pkg.Types), want)
	}
	p.Head = "func"
	return nil
}

// pageObject looks up a name of the page contract: one declared in
// layout.go is the layout's.
func (c *checker) pageObject(name string) types.Object {
	obj := object(c.pkg.Types, name)
	if obj == nil || c.file(obj) == "layout.go" {
		return nil
	}
	return obj
}

// layoutObject looks up a name of a layout's contract: Layout<name>
// anywhere in the package (for a folder whose page has its own <name>), or
// <name> declared in layout.go.
func (c *checker) layoutObject(name string) types.Object {
	if obj := object(c.pkg.Types, "Layout"+name); obj != nil {
		return obj
	}
	if obj := object(c.pkg.Types, name); obj != nil && c.file(obj) == "layout.go" {
		return obj
	}
	return nil
}

// layout checks the Layout component of a folder with layout.templ and
// what layout.go declares for it: Load (its parameter), Tags and Head.
func (c *checker) layout(d *routeDir) error {
	const want = "templ Layout() { ... { children... } ... }, or templ Layout(d T) with func Load(c *gox.Ctx) (T, error) in layout.go"
	obj := object(c.pkg.Types, "Layout")
	if obj == nil {
		return fileErr(path.Join("routes", d.rel, "layout.templ")+":1", "no Layout component; write %s", want)
	}
	params, err := c.componentFunc(obj, want)
	if err != nil {
		return err
	}
	load := c.layoutObject("Load")
	switch {
	case load == nil && len(params) > 0:
		t := typeString(params[0], c.pkg.Types)
		return fileErr(c.pos(obj), "Layout takes %s but there is no Load to provide it; add func Load(c *gox.Ctx) (%s, error) to layout.go", t, t)
	case load == nil:
	case len(params) != 1:
		return fileErr(c.pos(obj), "Layout takes %d parameters; with a Load in layout.go it takes one, what Load returns: templ Layout(d T)", len(params))
	default:
		sig := funcSig(load)
		if sig == nil || sig.Params().Len() != 1 || !isPointerTo(sig.Params().At(0).Type(), pagePath, "Ctx") ||
			sig.Results().Len() != 2 || !isError(sig.Results().At(1).Type()) {
			return fileErr(c.pos(load), "a layout's %s must be func(*gox.Ctx) (T, error), where Layout takes T", load.Name())
		}
		if t := sig.Results().At(0).Type(); !types.AssignableTo(t, params[0]) {
			return fileErr(c.pos(load), "%s returns %s but Layout takes %s", load.Name(), typeString(t, c.pkg.Types), typeString(params[0], c.pkg.Types))
		}
		d.layoutLoad = load.Name()
	}
	if tags := c.layoutObject("Tags"); tags != nil {
		kind, err := c.tagsKind(tags)
		if err != nil {
			return err
		}
		d.layoutTags = d.alias + "." + tags.Name()
		if kind == "slice" {
			d.layoutTags = "page.StaticTags(" + d.layoutTags + "...)"
		}
	}
	if h := c.layoutObject("Head"); h != nil {
		if v, ok := h.(*types.Var); !ok || !isHead(v.Type()) {
			return fileErr(c.pos(h), `a layout's %s must be a gox.Head variable: var %s = gox.Head{TitleTemplate: "%%s | Shop"}`, h.Name(), h.Name())
		}
		d.head = h.Name()
	}
	return nil
}

// revalidate reads the page's Revalidate constant.
func (c *checker) revalidate(p *Page) (err error) {
	p.Revalidate, p.HasRevalidate, err = c.revalidateConst()
	return err
}

// revalidateConst reads the Revalidate constant of a page or a route.go;
// ok is false when there is none.
func (c *checker) revalidateConst() (d time.Duration, ok bool, err error) {
	obj := object(c.pkg.Types, "Revalidate")
	if obj == nil {
		return 0, false, nil
	}
	k, isConst := obj.(*types.Const)
	if !isConst {
		return 0, false, fileErr(c.pos(obj), "Revalidate must be a constant: const Revalidate = 10 * time.Minute")
	}
	if !isNamed(k.Type(), "time", "Duration") {
		if b, ok := k.Type().(*types.Basic); ok && b.Info()&types.IsNumeric != 0 && b.Info()&types.IsUntyped != 0 && constant.Sign(k.Val()) == 0 {
			// 0 is 0 in every unit: dynamic, as gox.Dynamic says.
			return 0, true, nil
		}
		if b, ok := k.Type().(*types.Basic); ok && b.Info()&types.IsNumeric != 0 {
			what := "the untyped number"
			if b.Info()&types.IsUntyped == 0 {
				what = "the typed " + b.Name()
			}
			return 0, false, fileErr(c.pos(obj), "Revalidate is %s %s; write const Revalidate = %s * time.Second (or gox.Dynamic)", what, k.Val(), k.Val())
		}
		return 0, false, fileErr(c.pos(obj), "Revalidate must be a time.Duration constant, not %s; write const Revalidate = 10 * time.Minute (or gox.Dynamic)", k.Type())
	}
	n, _ := constant.Int64Val(k.Val()) // a typed Duration constant fits in int64
	if n < 0 {
		return 0, false, fileErr(c.pos(obj), "Revalidate is negative (%s); use a positive duration, or gox.Dynamic to render on every request", durationString(time.Duration(n)))
	}
	return time.Duration(n), true, nil
}

// tags reads the page's Tags: a []string variable or func(gox.Params) []string.
func (c *checker) tags(p *Page) (err error) {
	p.Tags, p.StaticTags, err = c.tagsDecl()
	return err
}

// tagsDecl reads the Tags of a page or a route.go: kind is "" when there
// is none, "slice" or "func"; static lists a literal slice's tags.
func (c *checker) tagsDecl() (kind string, static []string, err error) {
	obj := c.pageObject("Tags")
	if obj == nil {
		return "", nil, nil
	}
	if kind, err = c.tagsKind(obj); err != nil {
		return "", nil, err
	}
	if kind == "slice" {
		static = c.literalStrings(obj)
	}
	return kind, static, nil
}

// query reports whether the package declares Query, checking its type.
func (c *checker) query() (bool, error) {
	obj := object(c.pkg.Types, "Query")
	if obj == nil {
		return false, nil
	}
	if _, ok := obj.(*types.Var); !ok || !isStringSlice(obj.Type()) {
		return false, fileErr(c.pos(obj), `Query must be a []string variable: var Query = []string{"page"}`)
	}
	return true, nil
}

// tagsKind checks a Tags declaration: "slice" for a []string variable,
// "func" for func(gox.Params) []string.
func (c *checker) tagsKind(obj types.Object) (string, error) {
	if sig := funcSig(obj); sig != nil {
		if sig.Params().Len() != 1 || !isNamed(sig.Params().At(0).Type(), pagePath, "Params") ||
			sig.Results().Len() != 1 || !isStringSlice(sig.Results().At(0).Type()) {
			return "", fileErr(c.pos(obj), "%s must be a []string variable or func(gox.Params) []string", obj.Name())
		}
		return "func", nil
	}
	if _, ok := obj.(*types.Var); !ok || !isStringSlice(obj.Type()) {
		return "", fileErr(c.pos(obj), "%s must be a []string variable or func(gox.Params) []string", obj.Name())
	}
	return "slice", nil
}

// literalStrings returns the strings of `var X = []string{"a", "b"}`, or nil
// if the value is not such a literal.
func (c *checker) literalStrings(obj types.Object) []string {
	for _, f := range c.pkg.Syntax {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if c.pkg.TypesInfo.Defs[name] != obj || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.CompositeLit)
					if !ok {
						return nil
					}
					out := []string{}
					for _, e := range lit.Elts {
						bl, ok := e.(*ast.BasicLit)
						if !ok || bl.Kind != token.STRING {
							return nil
						}
						s, _ := strconv.Unquote(bl.Value)
						out = append(out, s)
					}
					return out
				}
			}
		}
	}
	return nil
}

// httpMethods are the handler names a route.go may export.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func scanHandler(dir string, d *routeDir) (*Handler, error) {
	c := &checker{dir: dir, pkg: d.pkg}
	h := &Handler{Pattern: d.pattern, Dir: path.Join("routes", d.rel), Alias: d.alias}
	for _, m := range httpMethods {
		obj := object(d.pkg.Types, m)
		if obj == nil {
			continue
		}
		sig := funcSig(obj)
		if sig == nil || sig.Params().Len() != 1 || !isNamed(sig.Params().At(0).Type(), echoPath, "Context") ||
			sig.Results().Len() != 1 || !isError(sig.Results().At(0).Type()) {
			return nil, fileErr(c.pos(obj), "%s must be func(c echo.Context) error", m)
		}
		h.Methods = append(h.Methods, m)
	}
	if len(h.Methods) == 0 {
		return nil, fileErr(h.Dir+"/route.go:1", "route.go exports no handler; write func GET(c echo.Context) error (or POST, PUT, PATCH, DELETE)")
	}
	return h, c.handlerCache(h)
}

// handlerCache reads what makes a route.go's GET responses cached:
// Revalidate and Tags as on a page, and Query, the query parameters of
// the cache key. Each is an error where it would be ignored.
func (c *checker) handlerCache(h *Handler) error {
	var err error
	if h.Revalidate, h.HasRevalidate, err = c.revalidateConst(); err != nil {
		return err
	}
	if h.Tags, h.StaticTags, err = c.tagsDecl(); err != nil {
		return err
	}
	if h.Query, err = c.query(); err != nil {
		return err
	}
	tp := c.pkg.Types
	dynamic := h.HasRevalidate && h.Revalidate <= 0
	for _, name := range []string{"Tags", "Query"} {
		if obj := object(tp, name); obj != nil && c.file(obj) != "layout.go" && dynamic {
			return fileErr(c.pos(obj), "%s is for a cached route.go, and Revalidate = gox.Dynamic caches nothing; give Revalidate a duration or remove %s", name, name)
		}
	}
	if h.Query && !h.Cached() {
		return fileErr(c.pos(object(tp, "Query")), "Query names the query parameters of a cached response's key, and route.go caches nothing; add const Revalidate = time.Minute (or Tags), or remove Query")
	}
	if h.Cached() && !slices.Contains(h.Methods, "GET") {
		name := "Revalidate"
		if !h.HasRevalidate {
			name = "Tags"
		}
		return fileErr(c.pos(object(tp, name)), "%s caches GET responses, and route.go has no GET; add func GET(c echo.Context) error, or remove %s", name, name)
	}
	return nil
}

// typeString prints t relative to pkg.
func typeString(t types.Type, pkg *types.Package) string {
	return types.TypeString(t, types.RelativeTo(pkg))
}

// middleware checks a middleware.go file's Middleware: the net/http shape
// every Go middleware library has.
func (c *checker) middleware(d *routeDir) (*Middleware, error) {
	const want = "func Middleware(next http.Handler) http.Handler"
	m := &Middleware{Pattern: d.pattern, Dir: path.Join("routes", d.rel), Alias: d.alias}
	obj := object(c.pkg.Types, "Middleware")
	if obj == nil {
		return nil, fileErr(m.Dir+"/middleware.go:1", "middleware.go exports no Middleware; write %s", want)
	}
	sig := funcSig(obj)
	if sig == nil || sig.Params().Len() != 1 || !isNamed(sig.Params().At(0).Type(), "net/http", "Handler") ||
		sig.Results().Len() != 1 || !isNamed(sig.Results().At(0).Type(), "net/http", "Handler") {
		return nil, fileErr(c.pos(obj), "Middleware must be %s", want)
	}
	return m, nil
}
