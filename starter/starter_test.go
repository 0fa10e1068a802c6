package starter_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/goxweb/gox/starter"
)

// TestGoMod checks the go.mod the starter writes for both ways gox is
// installed: a release requires its own version of the framework from the
// module proxy; a gox built from a checkout replaces it with the checkout.
func TestGoMod(t *testing.T) {
	t.Parallel()
	const devel = "v0.0.0-00010101000000-000000000000"
	tests := []struct {
		name                     string
		data                     starter.Data
		wantRequire, wantReplace []string
	}{
		{
			name:        "release",
			data:        starter.Data{Module: "example.com/shop", Name: "shop", GoxVersion: "v1.2.3"},
			wantRequire: []string{"github.com/goxweb/gox@v1.2.3"},
		},
		{
			name:        "checkout",
			data:        starter.Data{Module: "shop", Name: "shop", GoxVersion: devel, Replace: "/src/gox"},
			wantRequire: []string{"github.com/goxweb/gox@" + devel},
			wantReplace: []string{"github.com/goxweb/gox => /src/gox"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), tt.data.Name)
			if err := starter.Write(dir, tt.data); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := modfile.Parse("go.mod", b, nil)
			if err != nil {
				t.Fatalf("go.mod does not parse: %v\n%s", err, b)
			}
			if f.Module.Mod.Path != tt.data.Module {
				t.Errorf("module %q, want %q", f.Module.Mod.Path, tt.data.Module)
			}
			var require, replace []string
			for _, r := range f.Require {
				require = append(require, r.Mod.String())
			}
			for _, r := range f.Replace {
				replace = append(replace, r.Old.String()+" => "+r.New.String())
			}
			if !slices.Equal(require, tt.wantRequire) || !slices.Equal(replace, tt.wantReplace) {
				t.Errorf("require %q, replace %q; want %q, %q\n%s", require, replace, tt.wantRequire, tt.wantReplace, b)
			}
			// go mod tidy writes go.sum, from the module proxy for a release.
			if _, err := os.Stat(filepath.Join(dir, "go.sum")); !os.IsNotExist(err) {
				t.Errorf("the starter wrote a go.sum (%v)", err)
			}
		})
	}
}
