package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteFileBundle: gox_bundle.go is written for an app with assets,
// kept when unchanged, and removed once the app has none.
func TestWriteFileBundle(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, BundleFile)
	withAssets := &Table{Assets: true}
	if changed, err := withAssets.WriteFile(dir); err != nil || !changed {
		t.Fatalf("first write: %v %v", changed, err)
	}
	src, err := os.ReadFile(bundle)
	if err != nil || !strings.HasPrefix(string(src), Header+"\n//go:build "+BundleTag+"\n") ||
		!strings.Contains(string(src), "//go:embed all:"+BundleDir+"\n") {
		t.Fatalf("%s:\n%s (%v)", BundleFile, src, err)
	}
	if changed, err := withAssets.WriteFile(dir); err != nil || changed {
		t.Fatalf("unchanged write: %v %v", changed, err)
	}
	if changed, err := (&Table{}).WriteFile(dir); err != nil || !changed {
		t.Fatalf("write without assets: %v %v", changed, err)
	}
	if _, err := os.Stat(bundle); !os.IsNotExist(err) {
		t.Fatalf("%s kept without assets: %v", BundleFile, err)
	}
}
