package gen

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

const (
	goxPath   = "github.com/goxweb/gox/framework"
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
	if rel, err := filepath.Rel(c.dir, p.Filename); err == nil {
		p.Filename = filepath.ToSlash(rel)
	}
	// Lines of templ's generated Go mean nothing to the author; name the
	// .templ file they wrote.
	if name, ok := strings.CutSuffix(p.Filename, "_templ.go"); ok {
		return name + ".templ"
	}
	return p.Filename + ":" + strconv.Itoa(p.Line)
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
		return nil, fileErr(c.pos(pageObj), "Page takes at most one parameter, the result of Load; got %d", len(pageParams))
	}
	p.PageParam = len(pageParams) == 1
	if obj := object(tp, "Load"); obj != nil {
		sig := funcSig(obj)
		ok := sig != nil && sig.Params().Len() == 1 && isPointerTo(sig.Params().At(0).Type(), goxPath, "Ctx") &&
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
			ok = isSlice && isNamed(s.Elem(), goxPath, "Params")
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
	if obj := object(tp, "Query"); obj != nil {
		if _, ok := obj.(*types.Var); !ok || !isStringSlice(obj.Type()) {
			return nil, fileErr(c.pos(obj), `Query must be a []string variable: var Query = []string{"page"}`)
		}
		p.Query = true
	}
	if obj := object(tp, "Actions"); obj != nil {
		if _, ok := obj.(*types.Var); !ok || !isNamed(obj.Type(), goxPath, "Actions") {
			return nil, fileErr(c.pos(obj), `Actions must be a gox.Actions variable: var Actions = gox.Actions{"name": Func}`)
		}
		p.Actions = true
	}
	for name, want := range map[string]string{"Layout": "templ Layout()", "NotFound": "templ NotFound()"} {
		if obj := object(tp, name); obj != nil {
			if params, err := c.componentFunc(obj, want); err != nil || len(params) != 0 {
				return nil, fileErr(c.pos(obj), "%s must be %s without parameters", name, want)
			}
		}
	}
	if obj := object(tp, "Error"); obj != nil {
		if params, err := c.componentFunc(obj, "templ Error(err error)"); err != nil || len(params) != 1 || !isError(params[0]) {
			return nil, fileErr(c.pos(obj), "Error must be templ Error(err error)")
		}
	}
	return p, nil
}

// revalidate reads the Revalidate constant.
func (c *checker) revalidate(p *Page) error {
	obj := object(c.pkg.Types, "Revalidate")
	if obj == nil {
		return nil
	}
	k, ok := obj.(*types.Const)
	if !ok {
		return fileErr(c.pos(obj), "Revalidate must be a constant: const Revalidate = 10 * time.Minute")
	}
	if !isNamed(k.Type(), "time", "Duration") {
		if b, ok := k.Type().(*types.Basic); ok && b.Info()&types.IsNumeric != 0 {
			return fileErr(c.pos(obj), "Revalidate is the untyped number %s; write %s * time.Second (or gox.Dynamic)", k.Val(), k.Val())
		}
		return fileErr(c.pos(obj), "Revalidate must be a time.Duration constant, not %s", k.Type())
	}
	n, exact := constant.Int64Val(k.Val())
	if !exact || n < 0 {
		return fileErr(c.pos(obj), "Revalidate must not be negative")
	}
	p.HasRevalidate, p.Revalidate = true, time.Duration(n)
	return nil
}

// tags reads Tags: a []string variable or func(gox.Params) []string.
func (c *checker) tags(p *Page) error {
	obj := object(c.pkg.Types, "Tags")
	if obj == nil {
		return nil
	}
	if sig := funcSig(obj); sig != nil {
		if sig.Params().Len() != 1 || !isNamed(sig.Params().At(0).Type(), goxPath, "Params") ||
			sig.Results().Len() != 1 || !isStringSlice(sig.Results().At(0).Type()) {
			return fileErr(c.pos(obj), "Tags must be a []string variable or func(gox.Params) []string")
		}
		p.Tags = "func"
		return nil
	}
	if _, ok := obj.(*types.Var); !ok || !isStringSlice(obj.Type()) {
		return fileErr(c.pos(obj), "Tags must be a []string variable or func(gox.Params) []string")
	}
	p.Tags = "slice"
	p.StaticTags = c.literalStrings(obj)
	return nil
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
	return h, nil
}

// typeString prints t relative to pkg.
func typeString(t types.Type, pkg *types.Package) string {
	return types.TypeString(t, types.RelativeTo(pkg))
}
