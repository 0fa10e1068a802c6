package varnish_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/purge/varnish"
	"github.com/goxweb/gox/framework/server"
)

// startVarnish runs varnishd in the foreground with testdata/gox.vcl in
// front of the gox server on port, on a free port of its own, and returns
// its base URL. It stops with the test.
func startVarnish(t *testing.T, port string) string {
	t.Helper()
	if _, err := exec.LookPath("varnishd"); err != nil {
		t.Fatal("no varnishd: run make test (it installs Debian's varnish and varnish-modules)")
	}
	dir := t.TempDir()
	vcl, err := os.ReadFile("testdata/gox.vcl")
	if err != nil {
		t.Fatal(err)
	}
	vclPath := filepath.Join(dir, "gox.vcl")
	if err := os.WriteFile(vclPath, []byte(strings.ReplaceAll(string(vcl), "GOX_PORT", port)), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	cmd := exec.Command("varnishd", "-F", "-j", "none", "-n", work, "-f", vclPath,
		"-a", "127.0.0.1:0", "-T", "127.0.0.1:0", "-s", "malloc,32m", "-p", "default_grace=0")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("varnishd:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("varnishadm", "-n", work, "debug.listen_address").Output()
		if err == nil {
			// "a0 127.0.0.1 34173"
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 3 {
					return "http://" + f[1] + ":" + f[2]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("varnishd did not start: %v %s\n%s", err, out, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// page is what Varnish answered for a path: the body and whether Varnish
// answered from its cache (its X-Varnish names two requests then).
type page struct {
	body string
	hit  bool
}

func get(t *testing.T, url string) page {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if resp.Header.Get("Xkey") != "" || resp.Header.Get("Surrogate-Key") != "" {
		t.Fatalf("purge keys reached the visitor: %q", resp.Header)
	}
	return page{string(b), len(strings.Fields(resp.Header.Get("X-Varnish"))) == 2}
}

// waitFor polls url until its body contains want.
func waitFor(t *testing.T, url, want string) page {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := get(t, url)
		if strings.Contains(p.body, want) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answers %.300s; want %q", url, p.body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A real varnishd with xkey in front of a real gox app: a page cached in
// Varnish stays there when its data changes, and goes once gox revalidates
// its tag: at once for an expiry (hard purge), after one refetch for a
// revalidation (soft purge). A page the tag does not cover stays cached.
func TestVarnishPurgedByTag(t *testing.T) {
	t.Parallel()
	fix := testapp.New()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	purger := &varnish.Purger{}
	app, err := server.New(fix.Routes(), server.Config{
		Store: st, Logger: slog.New(slog.DiscardHandler),
		CDNKeys: httpcache.SurrogateKey, Purgers: []purge.Purger{purger},
	})
	if err != nil {
		t.Fatal(err)
	}
	gox := httptest.NewServer(app.Handler())
	t.Cleanup(func() { gox.Close(); app.Close() })
	purger.URL = startVarnish(t, gox.URL[strings.LastIndex(gox.URL, ":")+1:])
	one, two := purger.URL+"/products/1", purger.URL+"/products/2"

	if p := get(t, one); !strings.Contains(p.body, "Gopher") {
		t.Fatalf("first: %.300s", p.body)
	}
	get(t, two)
	if p := get(t, one); !p.hit {
		t.Fatal("Varnish did not cache the page")
	}
	fix.SetProduct("1", testapp.Product{Name: "Beaver", Stock: 5})
	if p := get(t, one); !p.hit || !strings.Contains(p.body, "Gopher") {
		t.Fatalf("the data changed without a revalidation: Varnish should keep its copy, got hit=%v %.300s", p.hit, p.body)
	}

	ctx := context.Background()
	if _, err := app.Revalidate(ctx, nil, []string{"product-1"}, cache.Expire); err != nil {
		t.Fatal(err)
	}
	p := waitFor(t, one, "Beaver")
	if p.hit {
		t.Fatal("the first answer after the purge came from Varnish's cache")
	}
	if p := get(t, two); !p.hit {
		t.Fatal("a page the tag does not cover was purged")
	}

	fix.SetProduct("1", testapp.Product{Name: "Otter", Stock: 5})
	if _, err := app.Revalidate(ctx, nil, []string{"product-1"}, cache.Stale); err != nil {
		t.Fatal(err)
	}
	waitFor(t, one, "Otter")
	if p := get(t, two); !p.hit {
		t.Fatal("a page the tag does not cover was purged")
	}
}
