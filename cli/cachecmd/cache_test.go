package cachecmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/goxcli"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/redis/redistest"
	"github.com/goxweb/gox/framework/cache/sqlite"
)

// seed writes three entries and some counters into a new cache file.
func seed(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "cache.db")
	st, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now()
	for _, e := range []*cache.Entry{
		{Key: "/", Route: "/", Tags: []string{"product-list"}},
		{Key: "/products/1", Route: "/products/{id}", Tags: []string{"product-1", "product-list"}, FreshUntil: now.Add(time.Hour)},
		{Key: "/products/2", Route: "/products/{id}", Tags: []string{"product-2", "product-list"}, LastError: "db down"},
	} {
		e.Status, e.Body, e.GeneratedAt, e.Header = 200, []byte("<p>"+e.Key+"</p>"), now, http.Header{}
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddCounters(ctx, map[string]cache.Counters{"/products/{id}": {Hits: 90, Misses: 2, Stale: 8, Regenerations: 10, Writes: 4, Failures: 2}}); err != nil {
		t.Fatal(err)
	}
	return db
}

func gox(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := goxcli.Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCacheCommands(t *testing.T) {
	t.Parallel()
	db := seed(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // substrings of stdout
		wantErr  string   // substring of stderr
	}{
		{"ls", []string{"cache", "ls", "--db", db}, 0, []string{"/products/1", "/products/{id}", "product-1,product-list", "db down", "3 entries"}, ""},
		{"ls by tag", []string{"cache", "ls", "--db", db, "--tag", "product-2"}, 0, []string{"/products/2", "\n1 entry\n"}, ""},
		{"ls json", []string{"cache", "ls", "--db", db, "--json", "--limit", "1"}, 0, []string{`"key":"/"`, `"tags":["product-list"]`, `"generated_at":`}, ""},
		{"show", []string{"cache", "show", "--db", db, "/products/1"}, 0, []string{"route", "/products/{id}", "fresh", "product-1, product-list"}, ""},
		{"show as typed", []string{"cache", "show", "--db", db, "products/1/"}, 0, []string{"key          /products/1\n"}, ""},
		{"show missing", []string{"cache", "show", "--db", db, "news"}, 1, nil, "gox cache show: no entry for /news\nhint: "},
		{"show bad path", []string{"cache", "show", "--db", db, "/a/../b"}, command.ExitUsage, nil, `bad path "/a/../b"`},
		{"show control", []string{"cache", "show", "--db", db, "/a\x00b"}, command.ExitUsage, nil, "bad path"},
		{"show long", []string{"cache", "show", "--db", db, "/" + strings.Repeat("a", 5000)}, command.ExitUsage, nil, "too long"},
		{"show bad query", []string{"cache", "show", "--db", db, "/posts?page=%zz"}, command.ExitUsage, nil, "bad key"},
		{"stats", []string{"cache", "stats", "--db", db}, 0, []string{"/products/{id}", "90", "98%", "2 (20%)", "25.0", "3 entries, ", ", 3 tags"}, ""},
		{"no subcommand", []string{"cache"}, command.ExitUsage, nil, "usage"},
		{"unknown subcommand", []string{"cache", "explode"}, command.ExitUsage, nil, "unknown subcommand"},
		{"bad flag", []string{"cache", "ls", "--nope"}, command.ExitUsage, nil, "flag provided but not defined"},
		{"purge nothing", []string{"cache", "purge", "--db", db}, command.ExitUsage, nil, "purge what?"},
		{"missing db", []string{"cache", "ls", "--db", filepath.Join(t.TempDir(), "none.db")}, 1, nil, "no cache at"},
		{"show two keys", []string{"cache", "show", "--db", db, "/a", "/b"}, command.ExitUsage, nil, "wrong number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := gox(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout misses %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr misses %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

func TestCachePurge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
		left int
	}{
		{[]string{"--path", "/products/1"}, "purged 1 entry\n", 2},
		{[]string{"--path", "products/1/"}, "purged 1 entry\n", 2},
		{[]string{"--path", "/nope"}, "purged 0 entries\n", 3},
		{[]string{"--tag", "product-list"}, "purged 3 entries", 0},
		{[]string{"--tag", "product-2", "--path", "/"}, "purged 2 entries", 1},
		{[]string{"--all"}, "purged every entry", 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			db := seed(t)
			code, out, errOut := gox(t, append([]string{"cache", "purge", "--db", db}, tt.args...)...)
			if code != 0 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d out %q err %q, want %q", code, out, errOut, tt.want)
			}
			st, err := sqlite.Open(db, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			infos, err := st.List(context.Background(), cache.Filter{})
			if err != nil || len(infos) != tt.left {
				t.Fatalf("entries left = %d (%v), want %d", len(infos), err, tt.left)
			}
		})
	}
}

func TestPurgeReachesARunningProcess(t *testing.T) {
	t.Parallel()
	db := seed(t)
	// The "server": a store with its memory tier holding the entry.
	st, err := sqlite.Open(db, sqlite.Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Get(context.Background(), "/products/1"); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := gox(t, "cache", "purge", "--db", db, "--path", "/products/1"); code != 0 {
		t.Fatalf("purge: %s", errOut)
	}
	deadline := time.Now().Add(time.Second)
	for {
		if _, err := st.Get(context.Background(), "/products/1"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running store still serves the purged entry after a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStatsOnReadOnlyCache: on a cache file that cannot be written (a real
// read-only file system; chmod does not stop root, who runs the tests),
// stats says the app serves uncached.
func TestStatsOnReadOnlyCache(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	db := filepath.Join(dir, "cache.db")
	st, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v: %s", err, out)
	}
	code, _, stderr := gox(t, "cache", "stats", "--db", db)
	if code == 0 || !strings.Contains(stderr, "serves uncached") || !strings.Contains(stderr, "hint:") {
		t.Errorf("exit %d, stderr %q; want a failure saying the app serves uncached, with a hint", code, stderr)
	}
}

// TestStatsJSON: the JSON of gox cache stats has snake_case keys, the
// counters of each route, their rates, and the totals.
func TestStatsJSON(t *testing.T) {
	t.Parallel()
	db := seed(t)
	code, out, errOut := gox(t, "cache", "stats", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	route, ok := got["routes"]["/products/{id}"].(map[string]any)
	if !ok {
		t.Fatalf("no /products/{id} in %s", out)
	}
	want := map[string]any{"hits": 90.0, "stale": 8.0, "misses": 2.0, "regenerations": 10.0, "failures": 2.0, "writes": 4.0, "hit_rate": 0.98, "failure_rate": 0.2}
	if diff := cmp.Diff(want, route); diff != "" {
		t.Errorf("route counters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"entries": 3.0, "bytes": got["total"]["bytes"], "tags": 3.0}, got["total"]); diff != "" {
		t.Errorf("total (-want +got):\n%s", diff)
	}
}

// TestCacheOnRedis: the commands read and purge an app's keys in Redis
// when --db is a Redis URL; a purge there is a Redis write, which every
// app instance's change stream carries.
func TestCacheOnRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	st, err := redis.Open(redis.Options{Client: srv.Options(), Prefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, key := range []string{"/products/1", "/products/2"} {
		e := &cache.Entry{Key: key, Route: "/products/{id}", Status: 200, Body: []byte(key), GeneratedAt: time.Now(),
			Tags: []string{"product-" + strings.TrimPrefix(key, "/products/")}}
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	url := srv.URL() + "?prefix=shop"
	if code, out, errOut := gox(t, "cache", "ls", "--db", url); code != 0 || !strings.Contains(out, "/products/2") || !strings.Contains(out, "2 entries") {
		t.Fatalf("ls: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := gox(t, "cache", "purge", "--db", url, "--tag", "product-2"); code != 0 || !strings.Contains(out, "purged 1 entry") {
		t.Fatalf("purge: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := st.Get(ctx, "/products/2"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("/products/2 after the purge: %v, want ErrNotFound", err)
	}
	if code, _, errOut := gox(t, "cache", "stats", "--db", "redis://127.0.0.1:1/zero"); code != 1 || !strings.Contains(errOut, "hint:") {
		t.Fatalf("bad URL: exit %d, stderr %q; want 1 with a hint", code, errOut)
	}
}

// TestRedisPrefixFromModule: with no prefix= in the URL, gox cache reads
// the keys of the app whose go.mod is in the working folder, under the
// prefix that app takes (its module's last element), whatever the folder
// is called.
func TestRedisPrefixFromModule(t *testing.T) {
	srv := redistest.Start(t)
	st, err := redis.Open(redis.Options{Client: srv.Options(), Prefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Put(context.Background(), &cache.Entry{Key: "/", Route: "/", Status: 200, Body: []byte("home"), GeneratedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "shop-checkout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, out, errOut := gox(t, "cache", "ls", "--db", srv.URL()); code != 0 || !strings.Contains(out, "1 entry") {
		t.Fatalf("ls in a folder of module example.com/shop: exit %d\n%s%s", code, out, errOut)
	}
}
