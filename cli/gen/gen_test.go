package gen_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/goxweb/gox/cli/gen"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txtar")

// repoRoot is the gox checkout, which test apps replace the module with.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// writeApp writes the txtar's files (except want/...) into a new app
// module that resolves gox from this checkout.
func writeApp(t *testing.T, ar *txtar.Archive) string {
	t.Helper()
	dir := t.TempDir()
	root := repoRoot(t)
	gomod := "module example.com/app\n\ngo 1.26\n\nrequire github.com/goxweb/gox v0.0.0\n\nreplace github.com/goxweb/gox => " + root + "\n"
	files := map[string][]byte{"go.mod": []byte(gomod)}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = sum
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want/") {
			files[f.Name] = f.Data
		}
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// linksFile is the generated links package's file, relative to the app.
const linksFile = gen.LinksDir + "/" + gen.LinksFile

func TestGolden(t *testing.T) {
	// The app modules resolve every dependency from the module cache.
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := writeApp(t, ar)
			got := map[string]string{} // want/NAME -> content
			table, err := gen.Generate(context.Background(), dir)
			if err != nil {
				got["want/error"] = strings.ReplaceAll(err.Error(), dir, "$APP") + "\n"
			} else {
				for _, name := range []string{gen.OutputFile, gen.BundleFile, linksFile} {
					b, err := os.ReadFile(filepath.Join(dir, name))
					if os.IsNotExist(err) && name != gen.OutputFile {
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					got["want/"+name] = string(b)
				}
				if len(table.Pages)+len(table.Handlers) == 0 {
					t.Fatal("empty table")
				}
				if _, ok := got["want/"+gen.BundleFile]; ok != table.Assets {
					t.Fatalf("%s written: %v, app has assets: %v", gen.BundleFile, ok, table.Assets)
				}
				// The generated code compiles with the app, and with the
				// tag gox build sets and a bundle in place.
				builds := [][]string{{"go", "build", "-o", os.DevNull, "."}}
				if table.Assets {
					bundle := filepath.Join(dir, filepath.FromSlash(gen.BundleDir))
					os.MkdirAll(bundle, 0o755)
					if err := os.WriteFile(filepath.Join(bundle, ".manifest.json"), []byte("{}\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					builds = append(builds, []string{"go", "build", "-tags", gen.BundleTag, "-o", os.DevNull, "."})
				}
				for _, args := range builds {
					build := exec.Command(args[0], args[1:]...)
					build.Dir = dir
					if out, err := build.CombinedOutput(); err != nil {
						t.Fatalf("%v: generated code does not build: %v\n%s\n%v", args, err, out, got)
					}
				}
			}
			if *update {
				var kept []txtar.File
				for _, f := range ar.Files {
					if !strings.HasPrefix(f.Name, "want/") {
						kept = append(kept, f)
					}
				}
				for _, name := range []string{"want/error", "want/" + gen.OutputFile, "want/" + gen.BundleFile, "want/" + linksFile} {
					if data, ok := got[name]; ok {
						kept = append(kept, txtar.File{Name: name, Data: []byte(data)})
					}
				}
				ar.Files = kept
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range ar.Files {
				if strings.HasPrefix(f.Name, "want/") {
					want[f.Name] = string(f.Data)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("generated files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorPathsRelativeToCurrentDir checks that with --dir . (the default) errors
// name files relative to the app, as they do for any other --dir.
func TestErrorPathsRelativeToCurrentDir(t *testing.T) {
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	ar, err := txtar.ParseFile("testdata/err-typed-revalidate.txtar")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(writeApp(t, ar))
	_, err = gen.Generate(context.Background(), ".")
	const want = "routes/a/page.go:3: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Generate(.) error = %v, want one starting with %q", err, want)
	}
}
