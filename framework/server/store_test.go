package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestMainStartsOnCacheFaults: neither a damaged cache file nor a
// read-only cache folder stops the app. The read-only folder is a real
// read-only tmpfs: the tests run as root, whom chmod does not stop.
func TestMainStartsOnCacheFaults(t *testing.T) {
	tests := []struct {
		name     string
		cache    func(t *testing.T) string
		wantWarn string
	}{
		{"damaged file", func(t *testing.T) string {
			db := filepath.Join(t.TempDir(), "cache.db")
			if err := os.WriteFile(db, bytes.Repeat([]byte("not sqlite"), 500), 0o644); err != nil {
				t.Fatal(err)
			}
			return db
		}, "set aside"},
		{"read-only folder", func(t *testing.T) string {
			dir := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
				t.Fatalf("mount: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
			return filepath.Join(dir, ".gox", "cache.db")
		}, "serving uncached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOX_CACHE", tt.cache(t))
			var stdout, stderr bytes.Buffer
			code := server.Main(context.Background(), page.Routes{}, []string{"prerender"}, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q; want 0", code, stderr.String())
			}
			var warns []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if strings.Contains(l, "WARN") {
					warns = append(warns, l)
				}
			}
			if len(warns) != 1 || !strings.Contains(warns[0], tt.wantWarn) {
				t.Errorf("WARN lines = %q, want one saying %q", warns, tt.wantWarn)
			}
		})
	}
}
