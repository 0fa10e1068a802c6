package server_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestDevStaticBuiltOnce: in development, static files are read and
// compressed once, not on every request; an edited or new file is served
// as it is now, from one more build.
func TestDevStaticBuiltOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := bytes.Repeat([]byte("gox static file "), 1<<16) // 1 MiB
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "site.css"), []byte("p{color:red}"), 0o644); err != nil {
		t.Fatal(err)
	}
	routes := page.Routes{Pages: []page.Page{{Pattern: "/", Render: rawPage("home")}}}
	app, url := appServer(t, routes, server.Config{Dev: true, StaticDir: dir})
	for range 10 {
		for _, path := range []string{"/", "/big.txt", "/site.css"} {
			if resp, _ := send(t, app, http.MethodGet, url+path, "Accept-Encoding: br"); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d, want 200", path, resp.StatusCode)
			}
		}
	}
	if got := server.DevStaticBuilds(app); got != 1 {
		t.Fatalf("static files built %d times for 30 requests, want 1", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "site.css"), []byte("p{color:blue}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if resp, body := send(t, app, http.MethodGet, url+"/site.css"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "blue") {
		t.Fatalf("edited file: %d %q, want 200 with the new content", resp.StatusCode, body)
	}
	if resp, body := send(t, app, http.MethodGet, url+"/new.txt"); resp.StatusCode != http.StatusOK || body != "new" {
		t.Fatalf("new file: %d %q, want 200 new", resp.StatusCode, body)
	}
	if resp, _ := send(t, app, http.MethodGet, url+"/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("page after the edit: %d", resp.StatusCode)
	}
	if got := server.DevStaticBuilds(app); got != 2 {
		t.Fatalf("static files built %d times after one edit, want 2", got)
	}
}
