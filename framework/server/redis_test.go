package server_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache/redis/redistest"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestMainPrerendersIntoRedis: GOX_CACHE=redis://... fills Redis under
// the URL's prefix, with the password from GOX_REDIS_PASSWORD.
func TestMainPrerendersIntoRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{TCP: true, Password: "pw-for-test"})
	t.Setenv("GOX_CACHE", srv.URL()+"?prefix=shop")
	t.Setenv("GOX_REDIS_PASSWORD", "pw-for-test")
	t.Setenv("GOX_REDIS_OUTBOX", filepath.Join(t.TempDir(), "outbox.db"))
	routes := testapp.New().Routes()
	routes.Pages = slices.DeleteFunc(routes.Pages, func(p page.Page) bool { return p.Pattern != "/" && p.Pattern != "/only/{id}" })
	var stdout, stderr bytes.Buffer
	if code := server.Main(context.Background(), routes, []string{"prerender"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, stderr.String())
	}
	keys, err := srv.Client().Keys(context.Background(), "gox:{shop}:e:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Each row is named by its build and key: gox:{shop}:e:<len>:<build><key>.
	var only, home bool
	for _, k := range keys {
		only = only || strings.HasSuffix(k, "/only/a")
		home = home || strings.HasSuffix(k, "/")
	}
	if !only || !home {
		t.Fatalf("entries in Redis = %q, want the prerendered pages under the prefix", keys)
	}
}

// TestMainServesWhileRedisIsStopped: an app whose Redis does not answer
// (SIGSTOP: connections are accepted, nothing is answered) starts at once
// and answers its pages, rendered uncached.
func TestMainServesWhileRedisIsStopped(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{TCP: true})
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Continue() })
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOX_CACHE", srv.URL())
	t.Setenv("GOX_REDIS_OUTBOX", filepath.Join(t.TempDir(), "outbox.db"))
	t.Setenv("HOST", "127.0.0.1")
	t.Setenv("PORT", strconv.Itoa(port))
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		exited <- server.Main(ctx, testapp.New().Routes(), nil, &bytes.Buffer{}, &stderr)
	}()
	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for _, path := range []string{"/", "/products/1", "/", "/products/1"} {
		for {
			resp, err := client.Get(url + path)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s while Redis is stopped: %d, want 200", path, resp.StatusCode)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s while Redis is stopped: %v", path, err)
			}
			time.Sleep(10 * time.Millisecond) // the listener is not up yet
		}
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
}

// TestMainRefusesABadRedisURL: a GOX_CACHE Redis URL that does not parse
// is a usage error with a hint, not a start without a cache.
func TestMainRefusesABadRedisURL(t *testing.T) {
	t.Setenv("GOX_CACHE", "redis://:hunter2@cache:6379/zero")
	var stdout, stderr bytes.Buffer
	code := server.Main(context.Background(), testapp.New().Routes(), []string{"prerender"}, &stdout, &stderr)
	if code != 64 || !strings.Contains(stderr.String(), "hint:") || strings.Contains(stderr.String(), "hunter2") {
		t.Fatalf("exit %d, stderr %q; want 64 with a hint and without the password", code, stderr.String())
	}
}

// TestRedisPrefixIsTheAppsName: with no prefix= in GOX_CACHE, an app
// keeps its keys under its main package's name, whatever its binary is
// called: two releases installed as shop-1 and shop-2 share one cache.
// This test binary, copied as shop-2, prerenders into Redis; its main
// package is server.test.
func TestRedisPrefixIsTheAppsName(t *testing.T) {
	if os.Getenv("GOX_TEST_PREFIX_HELPER") == "1" {
		routes := testapp.New().Routes()
		routes.Pages = slices.DeleteFunc(routes.Pages, func(p page.Page) bool { return p.Pattern != "/" })
		os.Exit(server.Main(context.Background(), routes, []string{"prerender"}, os.Stdout, os.Stderr))
	}
	t.Parallel()
	srv := redistest.Start(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// cp, not a write from this process: a file this process had open for
	// writing could be held by a parallel test's fork (text file busy).
	bin := filepath.Join(t.TempDir(), "shop-2")
	if out, err := exec.Command("cp", self, bin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	cmd := exec.Command(bin, "-test.run=^TestRedisPrefixIsTheAppsName$")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOX_TEST_PREFIX_HELPER=1", "GOX_CACHE="+srv.URL(),
		"GOX_REDIS_OUTBOX="+filepath.Join(cmd.Dir, "outbox.db"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prerender as shop-2: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		prefix string
		want   bool
	}{{"server.test", true}, {"shop-2", false}} {
		keys, err := srv.Client().Keys(context.Background(), "gox:{"+tt.prefix+"}:e:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(keys) > 0; got != tt.want {
			t.Errorf("entries under gox:{%s}: %q, want some: %v", tt.prefix, keys, tt.want)
		}
	}
}
