package wire

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEveryVariableIsDocumented reads the GOX_* names declared in this
// package and fails unless each has a row of the variables table in
// docs/cli.md, so a new variable cannot ship undocumented.
func TestEveryVariableIsDocumented(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "wire.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(s, "GOX_") {
				names = append(names, s)
			}
		}
		return true
	})
	if len(names) < 20 {
		t.Fatalf("found %d GOX_ names in wire.go: the test reads the wrong file", len(names))
	}
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for line := range strings.Lines(string(doc)) {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	for _, name := range names {
		found := false
		for _, row := range rows {
			cell, _, _ := strings.Cut(strings.TrimPrefix(row, "|"), "|")
			if strings.Contains(cell, "`"+name+"`") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s has no row in the variables table of docs/cli.md", name)
		}
	}
}
