package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
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

// TestMainPrerendersIntoItsBuildsRows: a new build's prerender (gox build
// runs the new binary while the old one may be serving the same file)
// writes rows of its own build and leaves the old build's page as it was,
// which the old build's server goes on serving as a HIT.
func TestMainPrerendersIntoItsBuildsRows(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cache.db")
	old, err := sqlite.Open(db, sqlite.Options{BuildID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Put(ctx, &cache.Entry{Key: "/", Route: "/", Status: 200, Body: []byte("old page"),
		Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, GeneratedAt: time.Now(), BuildID: "b1"}); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOX_CACHE", db)
	t.Setenv("GOX_BUILD_ID", "b2")
	routes := page.Routes{Pages: []page.Page{{Pattern: "/", Render: func(*page.Ctx) (templ.Component, error) {
		return templ.Raw("<p>new page</p>"), nil
	}}}}
	var stdout, stderr bytes.Buffer
	if code := server.Main(ctx, routes, []string{"prerender"}, &stdout, &stderr); code != 0 {
		t.Fatalf("prerender: exit %d, stderr %q", code, stderr.String())
	}
	for build, want := range map[string]string{"b1": "old page", "b2": "<p>new page</p>"} {
		st, err := sqlite.Open(db, sqlite.Options{BuildID: build})
		if err != nil {
			t.Fatal(err)
		}
		l, err := st.Get(ctx, "/")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if l.Entry.BuildID != build || !strings.Contains(string(l.Entry.Body), want) {
			t.Errorf("build %s reads build %s's %q, want its own %q", build, l.Entry.BuildID, l.Entry.Body, want)
		}
	}

	// The old build's server, on the file the new build prerendered into.
	t.Setenv("GOX_BUILD_ID", "b1")
	t.Setenv("HOST", "127.0.0.1")
	t.Setenv("PORT", "0")
	sctx, stop := context.WithCancel(ctx)
	var out, log syncBuffer
	code := make(chan int, 1)
	go func() { code <- server.Main(sctx, routes, nil, &out, &log) }()
	defer func() {
		stop()
		if c := <-code; c != 0 {
			t.Errorf("the old build's server exited %d: %s", c, log.String())
		}
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(log.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the old build's server did not start: %s", log.String())
		}
	}
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Gox-Cache"); string(b) != "old page" || got != "HIT" {
		t.Errorf("the old build serves %q %s, want its own old page HIT", b, got)
	}
}

// listening finds the URL in an app's start log line.
var listening = regexp.MustCompile(`msg="gox listening" url=(http://\S+)`)
