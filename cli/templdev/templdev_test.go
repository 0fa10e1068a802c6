package templdev_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	templruntime "github.com/a-h/templ/runtime"

	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/cli/templdev"
)

const page = `package routes

templ Page(name string) {
	<h1>Hello, { name }</h1>
	<p>Welcome to the shop.</p>
}
`

func write(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.26\n")
	src := filepath.Join(dir, "routes", "page.templ")
	write(t, src, page)
	write(t, filepath.Join(dir, ".hidden", "x.templ"), "not templ at all {")
	if err := gen.Templ(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	goFile := filepath.Join(dir, "routes", "page_templ.go")
	fromTempl := read(t, goFile)

	g, err := templdev.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Clean)
	if err := g.All(); err != nil {
		t.Fatal(err)
	}
	txt := templruntime.GetDevModeTextFileName(src)
	if _, err := os.Stat(txt); !os.IsNotExist(err) {
		t.Fatalf("text file written before Commit: %v", err)
	}
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	// The same bytes as templ generate: no rewrite, no needless go build.
	if got := read(t, goFile); got != fromTempl {
		t.Fatalf("All rewrote page_templ.go differently from templ generate:\n%s", got)
	}
	if got := read(t, txt); !strings.Contains(got, "Welcome to the shop.") {
		t.Fatalf("text file %s: %q", txt, got)
	}
	if env := strings.Join(g.Env(), " "); !strings.Contains(env, "TEMPL_DEV_MODE=true") || !strings.Contains(env, "TEMPL_DEV_MODE_WATCH_ROOT=/") {
		t.Fatalf("Env: %s", env)
	}

	tests := []struct {
		name        string
		from, to    string
		wantRebuild bool
		wantText    string
	}{
		{"text only", "Welcome to the shop.", "Welcome to my shop!", false, "Welcome to my shop!"},
		{"text with quotes and a new line", "Welcome to my shop!", `Say "hi"`, false, `Say \"hi\"`},
		{"a Go expression", "Hello, { name }", "Hello, { strings.ToUpper(name) }", true, "Hello, "},
		{"markup is text too", `Say "hi"`, `Say "hi"<br/>`, false, "<br>"},
		{"a second expression", "<br/>", "<br/>{ name }", true, "<br>"},
		{"no change at all", "<h1>", "<h1>", false, "Hello, "},
	}
	for _, tt := range tests {
		if !strings.Contains(read(t, src), tt.from) {
			t.Fatalf("%s: page.templ has no %q", tt.name, tt.from)
		}
		write(t, src, strings.Replace(read(t, src), tt.from, tt.to, 1))
		before := read(t, txt)
		rebuild, err := g.File(src)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if rebuild != tt.wantRebuild {
			t.Errorf("%s: rebuild %v, want %v", tt.name, rebuild, tt.wantRebuild)
		}
		if got := read(t, txt); got != before {
			t.Errorf("%s: text file changed before Commit", tt.name)
		}
		if err := g.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := read(t, txt); !strings.Contains(got, tt.wantText) {
			t.Errorf("%s: text file %q, want it to contain %q", tt.name, got, tt.wantText)
		}
		if got := read(t, goFile); !strings.Contains(got, strings.ReplaceAll(tt.wantText, `\"`, `\\\"`)) && !strings.Contains(got, tt.wantText) {
			t.Errorf("%s: page_templ.go does not carry the new text %q", tt.name, tt.wantText)
		}
	}

	g.Clean()
	if _, err := os.Stat(txt); !os.IsNotExist(err) {
		t.Fatalf("Clean left %s: %v", txt, err)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	g, err := templdev.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Clean)
	tests := []struct {
		name, body, want string
	}{
		{"syntax", "package routes\n\ntempl Page() {\n\t<h1>{ broken</h1>\n}\n", "routes/bad.templ parsing error"},
		{"not templ", "\x00\xff garbage", "routes/bad.templ"},
	}
	for _, tt := range tests {
		src := filepath.Join(dir, "routes", "bad.templ")
		write(t, src, tt.body)
		rebuild, err := g.File(src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
		if !rebuild {
			t.Errorf("%s: a failed generation must ask for a build (which shows the error)", tt.name)
		}
	}
	if _, err := g.File(filepath.Join(dir, "missing.templ")); err == nil {
		t.Fatal("a missing file generated")
	}
}
