package assets_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAppsDoNotLinkEsbuild: bundling happens in gox build and gox dev, so
// no app binary, and no framework package but assets/bundle (which only
// the gox command imports), depends on esbuild.
func TestAppsDoNotLinkEsbuild(t *testing.T) {
	t.Parallel()
	const esbuild = "github.com/evanw/esbuild"
	cmd := exec.Command("go", "list", "-deps", "-test=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`,
		"../../examples/store", "../../examples/blog", "../../examples/webhook", "../../framework/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		pkg, deps, _ := strings.Cut(strings.TrimSpace(line), " ")
		seen[pkg] = true
		uses := strings.Contains(" "+deps+" ", " "+esbuild)
		switch {
		case strings.HasPrefix(pkg, esbuild):
		case pkg == "github.com/goxweb/gox/framework/assets/bundle":
			if !uses {
				t.Errorf("%s does not list esbuild among its deps: the check sees nothing", pkg)
			}
		case uses:
			t.Errorf("%s depends on esbuild", pkg)
		}
	}
	for _, pkg := range []string{"github.com/goxweb/gox/examples/store", "github.com/goxweb/gox/framework", "github.com/goxweb/gox/framework/assets"} {
		if !seen[pkg] {
			t.Fatalf("go list did not list %s:\n%s", pkg, out)
		}
	}
}
