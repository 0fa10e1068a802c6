package gen

import (
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Inputs is a digest of everything in dir a scan can depend on: the names
// of its Go and templ files, go.mod and go.sum, and every Go file's source
// except function bodies. Package-level types are declared outside bodies,
// so an edit inside one (the common case while developing) cannot change
// the route table, and a caller holding the digest of its last scan can
// skip the next one, which costs as much as a compile.
func Inputs(dir string) ([sha256.Size]byte, error) {
	h := sha256.New()
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && ignored(name) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case rel == "go.mod" || rel == "go.sum":
		case strings.HasSuffix(name, ".templ"):
			fmt.Fprintf(h, "%s\x00", rel)
			return nil
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && rel != OutputFile && rel != BundleFile && rel != filepath.Join(LinksDir, LinksFile):
		default:
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00", rel)
		if strings.HasSuffix(name, ".go") {
			src = withoutBodies(fset, path, src)
		}
		fmt.Fprintf(h, "%d\x00", len(src))
		h.Write(src)
		return nil
	})
	var sum [sha256.Size]byte
	if err != nil {
		return sum, fmt.Errorf("digest inputs: %w", err)
	}
	h.Sum(sum[:0])
	return sum, nil
}

// withoutBodies returns src with the bodies of its top-level functions cut
// out. A file that does not parse is returned whole: the scan reports it.
func withoutBodies(fset *token.FileSet, path string, src []byte) []byte {
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return src
	}
	base := fset.File(f.Pos()).Base()
	var out []byte
	last := 0
	for _, decl := range f.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
			out = append(out, src[last:int(fn.Body.Lbrace)-base]...)
			last = int(fn.Body.Rbrace) - base + 1
		}
	}
	return append(out, src[last:]...)
}

// ignored reports the folders go build ignores, and node_modules, which
// holds no Go and can be large.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "testdata" || name == "node_modules"
}
