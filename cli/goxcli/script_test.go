package goxcli_test

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/goxweb/gox/cli/goxcli"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gox": func() { os.Exit(goxcli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: real builds,
// real servers on 127.0.0.1, real HTTP.
func TestScripts(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	repo, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			for _, k := range []string{"HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "PATH"} {
				if v := os.Getenv(k); v != "" {
					env.Setenv(k, v)
				}
			}
			if os.Getenv("GOCACHE") == "" {
				cache, _ := os.UserCacheDir()
				env.Setenv("GOCACHE", filepath.Join(cache, "go-build"))
			}
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOFLAGS", "-mod=mod")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"freeport":   freeport,
			"waitserver": waitserver,
			"httpget":    httpget,
			"hammer":     hammer,
			"elf":        elfInfo,
			"dockerfile": dockerfile,
			"waitbody":   waitbody,
			"edit":       edit,
			"extract":    extract,
			"readonly":   readonly,
			"unchanged":  unchanged,
			"cacherow":   cacherow,
			"waitrows":   waitrows,
		},
	})
}

// freeport VAR sets VAR to a free TCP port on 127.0.0.1.
func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ts.Setenv(args[0], strconv.Itoa(port))
}

// waitserver URL waits up to 30 s for URL to answer.
func waitserver(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitserver URL")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(args[0])
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("server at %s did not answer within 30 s: %v", args[0], err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpget PATH STATUS [Header=value]... GETs http://127.0.0.1:$PORT/PATH,
// checks the status and headers, and leaves the body as stdout.
func httpget(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: httpget PATH STATUS [Header=value]...")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://127.0.0.1:" + ts.Getenv("PORT") + args[0])
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	var problems []string
	if strconv.Itoa(resp.StatusCode) != args[1] {
		problems = append(problems, fmt.Sprintf("status %d, want %s", resp.StatusCode, args[1]))
	}
	for _, hv := range args[2:] {
		name, want, _ := strings.Cut(hv, "=")
		if got := resp.Header.Get(name); got != want {
			problems = append(problems, fmt.Sprintf("%s: %q, want %q", name, got, want))
		}
	}
	if (len(problems) > 0) != neg {
		ts.Fatalf("GET %s: %s", args[0], strings.Join(problems, "; "))
	}
	ts.Stdout().Write(body)
}

// hammer PATH N GETs http://127.0.0.1:$PORT/PATH N times, one after the
// other, and fails on a transport error (any status is fine).
func hammer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: hammer PATH N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	for range n {
		resp, err := http.Get("http://127.0.0.1:" + ts.Getenv("PORT") + args[0])
		ts.Check(err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// elf FILE prints FILE's ELF machine and whether it is linked statically
// (no program interpreter, no shared library), e.g. "EM_AARCH64 static".
func elfInfo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: elf FILE")
	}
	f, err := elf.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	linking := "static"
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			linking = "dynamic"
		}
	}
	fmt.Fprintf(ts.Stdout(), "%s %s\n", f.Machine, linking)
}

// waitbody PATH STATUS TEXT polls http://127.0.0.1:$PORT/PATH for up to
// 60 s until it answers STATUS with a body containing TEXT.
func waitbody(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: waitbody PATH STATUS TEXT")
	}
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://127.0.0.1:" + ts.Getenv("PORT") + args[0])
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
			if strconv.Itoa(resp.StatusCode) == args[1] && strings.Contains(string(b), args[2]) {
				ts.Stdout().Write(b)
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("GET %s never answered %s with %q; last: %.300s", args[0], args[1], args[2], last)
}

// edit FILE OLD NEW replaces the first OLD in FILE with NEW, as an editor
// saving the file would.
func edit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: edit FILE OLD NEW")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	if !strings.Contains(string(b), args[1]) {
		ts.Fatalf("%s does not contain %q", args[0], args[1])
	}
	ts.Check(os.WriteFile(p, []byte(strings.Replace(string(b), args[1], args[2], 1)), 0o644))
}

// extract VAR FILE REGEXP sets VAR to the first group REGEXP matches in
// FILE ("stdout" is the last command's output), such as a hashed asset URL
// in a page.
func extract(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: extract VAR FILE REGEXP")
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile(args[1]))
	if len(m) < 2 {
		ts.Fatalf("%s has no match for %s", args[1], args[2])
	}
	ts.Setenv(args[0], m[1])
}

// trees holds what readonly saw of each folder, for unchanged.
var trees sync.Map // script work dir + folder -> tree listing

// readonly DIR makes DIR and everything below it read-only (restored when
// the script ends) and notes every file's size, mode and time, for
// unchanged: as root, where permissions stop nothing, a write still shows.
func readonly(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: readonly DIR")
	}
	dir := ts.MkAbs(args[0])
	listing, modes := tree(ts, dir)
	trees.Store(ts.Getenv("WORK")+"\x00"+dir, listing)
	ts.Defer(func() {
		for p, m := range modes {
			os.Chmod(p, m)
		}
	})
	for p, m := range modes {
		ts.Check(os.Chmod(p, m&^0o222))
	}
}

// unchanged DIR fails if anything below DIR changed since readonly DIR.
func unchanged(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unchanged DIR")
	}
	dir := ts.MkAbs(args[0])
	before, ok := trees.Load(ts.Getenv("WORK") + "\x00" + dir)
	if !ok {
		ts.Fatalf("unchanged %s without readonly %s", args[0], args[0])
	}
	now, _ := tree(ts, dir)
	if now != before.(string) {
		ts.Fatalf("%s changed:\nbefore:\n%s\nnow:\n%s", args[0], before, now)
	}
}

// tree lists every file and folder below dir with its size and time (the
// modes are returned apart, since readonly changes them).
func tree(ts *testscript.TestScript, dir string) (string, map[string]os.FileMode) {
	var b strings.Builder
	modes := map[string]os.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		modes[p] = info.Mode().Perm()
		size := info.Size()
		if d.IsDir() {
			size = 0
		}
		fmt.Fprintf(&b, "%s %d %s\n", strings.TrimPrefix(p, dir), size, info.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	ts.Check(err)
	return b.String(), modes
}

// buildRows returns the rows build keeps in the cache file db, read as a
// tool reads it (a store of no build, which keeps no build alive).
func buildRows(ts *testscript.TestScript, db, build string) []cache.Info {
	st, err := sqlite.Open(ts.MkAbs(db), sqlite.Options{})
	ts.Check(err)
	defer st.Close()
	infos, err := st.List(context.Background(), cache.Filter{})
	ts.Check(err)
	var rows []cache.Info
	for _, in := range infos {
		if in.BuildID == build {
			rows = append(rows, in)
		}
	}
	return rows
}

// cacherow DB BUILD KEY prints build BUILD's row of KEY in the cache file
// DB (when it was generated, its ETag), so that a script can tell whether
// anything rewrote it.
func cacherow(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: cacherow DB BUILD KEY")
	}
	for _, in := range buildRows(ts, args[0], args[1]) {
		if in.Key == args[2] {
			fmt.Fprintf(ts.Stdout(), "%s build=%s generated=%d etag=%s\n", in.Key, in.BuildID, in.GeneratedAt.UnixNano(), in.ETag)
			return
		}
	}
	ts.Fatalf("build %s has no row of %s in %s", args[1], args[2], args[0])
}

// waitrows DB BUILD COUNT waits up to 60 s until build BUILD has COUNT
// rows in the cache file DB.
func waitrows(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitrows DB BUILD COUNT")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := len(buildRows(ts, args[0], args[1]))
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("build %s has %d rows in %s after 60 s, want %d", args[1], n, args[0], want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
