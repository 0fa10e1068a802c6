package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInputs(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() { run() }\n\nfunc run() {}\n",
		"routes/page.go": `package routes

import "time"

const Revalidate = time.Minute

type Home struct{ At string }

func Load() (Home, error) {
	return Home{At: "now"}, nil
}

func (h Home) Title() string { return "home" }
`,
		"routes/page.templ":       "package routes\n",
		"routes/page_test.go":     "package routes\n",
		OutputFile:                "package main\n",
		".gox/dev/cache.db":       "x",
		"testdata/ignored/x.go":   "package ignored\n",
		"routes/products/id_/a.b": "not code",
	}
	tests := []struct {
		name string
		file string
		edit func(string) string // nil removes the file
		same bool
	}{
		{"a function body", "routes/page.go", replace(`"now"`, `"later"`), true},
		{"a comment in a body", "main.go", replace("run() }", "run() /* soon */ }"), true},
		{"a method body", "routes/page.go", replace(`"home"`, `"start"`), true},
		{"a test file", "routes/page_test.go", appendText("var x = 1\n"), true},
		{"the route table itself", OutputFile, appendText("var x = 1\n"), true},
		{"a hidden folder", ".gox/dev/cache.db", appendText("y"), true},
		{"a folder go ignores", "testdata/ignored/x.go", appendText("var x = 1\n"), true},
		{"a file that is not code", "routes/products/id_/a.b", appendText("!"), true},
		{"a template, whose generated Go counts instead", "routes/page.templ", appendText("templ Page() { hi }\n"), true},
		{"a constant", "routes/page.go", replace("time.Minute", "60"), false},
		{"a signature", "routes/page.go", replace("Load()", "Load(n int)"), false},
		{"a type", "routes/page.go", replace("At string", "At int"), false},
		{"a new Go file", "routes/extra.go", appendText("package routes\n"), false},
		{"a new template", "routes/about/page.templ", appendText("package about\n"), false},
		{"a removed file", "main.go", nil, false},
		{"go.mod", "go.mod", appendText("require example.com/x v1.0.0\n"), false},
		{"a file that does not parse", "routes/page.go", appendText("func {"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, src := range base {
				write(t, dir, name, src)
			}
			before, err := Inputs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit == nil {
				os.Remove(filepath.Join(dir, tt.file))
			} else {
				write(t, dir, tt.file, tt.edit(base[tt.file]))
			}
			after, err := Inputs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := before == after; got != tt.same {
				t.Errorf("digest unchanged = %v, want %v", got, tt.same)
			}
		})
	}
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("no " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func appendText(text string) func(string) string {
	return func(s string) string { return s + text }
}

func write(t *testing.T, dir, name, src string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}
