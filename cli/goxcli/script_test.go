package goxcli_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/goxweb/gox/cli/goxcli"
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
