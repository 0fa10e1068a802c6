package buildcmd

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrerenderFailure runs a program in the app's place that fails the
// way an app does, and checks that gox build keeps its whole error and
// blames a page only when one failed.
func TestPrerenderFailure(t *testing.T) {
	t.Parallel()
	esbuild := "✘ [ERROR] Expected \")\" but found end of file\n\n    app.ts:3:0:\n      3 │ \n        ╵ ^\n\n  The unbalanced \"(\" is here:\n\n    app.ts:2:10:\n      2 │ const b = (\n        ╵           ^"
	tests := []struct {
		name, stderr string
		wantPage     bool
	}{
		{"start", "time=x level=INFO msg=starting\ngox: assets: esbuild: " + esbuild, false},
		{"page", "prerender /hello/x: load: database is down", true},
		{"static params", "prerender: StaticParams of /hello/{name}: boom", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			app := filepath.Join(dir, "app")
			if err := os.WriteFile(filepath.Join(dir, "stderr"), []byte(tt.stderr+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			script := "#!/bin/sh\necho '{\"done\":1,\"total\":2,\"route\":\"/\",\"path\":\"/\"}'\ncat stderr >&2\nexit 1\n"
			if err := os.WriteFile(app, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := prerender(context.Background(), app, dir, nil, io.Discard, false)
			if err == nil {
				t.Fatal("prerender succeeded")
			}
			if !strings.Contains(err.Error(), tt.stderr) {
				t.Errorf("error %q\nlacks the app's output %q", err, tt.stderr)
			}
			hint := prerenderHint(err)
			if got := strings.Contains(hint, "page named above"); got != tt.wantPage {
				t.Errorf("hint %q blames a page: %v, want %v", hint, got, tt.wantPage)
			}
		})
	}
}
