package buildcmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAppBin is one shell script shared by every test, written in
// TestMain before any test starts a process: writing an executable while
// a parallel test forks can leave the new file open in the child, and
// running it then fails with "text file busy".
var fakeAppBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "buildcmd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeAppBin = filepath.Join(dir, "app")
	script := "#!/bin/sh\necho \"$@\" > args\ncat stdout\ncat stderr >&2\nexit $(cat code)\n"
	if err := os.WriteFile(fakeAppBin, []byte(script), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fakeApp gives a program that stands in for an app's prerender mode,
// run in dir: it prints stdout and stderr as given and exits with code.
func fakeApp(t *testing.T, stdout, stderr string, code int) (bin, dir string) {
	t.Helper()
	dir = t.TempDir()
	for name, body := range map[string]string{"stdout": stdout, "stderr": stderr, "code": fmt.Sprint(code)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return fakeAppBin, dir
}

// TestPrerenderFailure: a page that fails is named, with its own error and
// not the app's log; an app that fails before any page keeps its whole
// error; the hint says which.
func TestPrerenderFailure(t *testing.T) {
	t.Parallel()
	esbuild := "✘ [ERROR] Expected \")\" but found end of file\n\n    app.ts:3:0:\n      3 │ \n        ╵ ^\n\n  The unbalanced \"(\" is here:\n\n    app.ts:2:10:\n      2 │ const b = (\n        ╵           ^"
	ok := `{"done":1,"total":3,"route":"/","path":"/","status":200,"bytes":10}` + "\n"
	tests := []struct {
		name, stdout, stderr string
		want                 string
		wantPage             bool
	}{
		{"start", ok, "time=x level=INFO msg=starting\ngox: assets: esbuild: " + esbuild, "prerender: time=x level=INFO msg=starting\ngox: assets: esbuild: " + esbuild, false},
		{"page", ok + `{"done":2,"total":3,"route":"/news","path":"/news","error":"news upstream: 503"}` + "\n",
			"time=x level=WARN msg=\"isr render failed\"\nprerender /news: isr render /news: news upstream: 503", "prerender /news: news upstream: 503", true},
		{"static params", `{"route":"/hello/{name}","error":"static params /hello/{name}: boom"}` + "\n",
			"prerender: static params /hello/{name}: boom", "prerender /hello/{name}: static params /hello/{name}: boom", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin, dir := fakeApp(t, tt.stdout, tt.stderr+"\n", 1)
			_, _, err := prerender(context.Background(), bin, dir, nil, io.Discard, false)
			if err == nil {
				t.Fatal("prerender succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error %q\nwant  %q", err, tt.want)
			}
			hint := prerenderHint(err)
			if got := strings.Contains(hint, "--keep-going"); got != tt.wantPage {
				t.Errorf("hint %q offers --keep-going: %v, want %v", hint, got, tt.wantPage)
			}
		})
	}
}

// TestPrerenderKeepGoing: with --keep-going the app is asked to go on, and
// its failures come back apart from the pages rendered.
func TestPrerenderKeepGoing(t *testing.T) {
	t.Parallel()
	bin, dir := fakeApp(t, `{"route":"/hello/{name}","error":"static params /hello/{name}: boom"}
{"done":1,"total":2,"route":"/","path":"/","status":200,"bytes":10}
{"done":2,"total":2,"route":"/news","path":"/news","error":"news upstream: 503"}
`, "", 0)
	pages, failed, err := prerender(context.Background(), bin, dir, nil, io.Discard, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages[0].Path != "/" {
		t.Errorf("pages = %+v, want /", pages)
	}
	if len(failed) != 2 || where(failed[0]) != "/hello/{name}" || where(failed[1]) != "/news" {
		t.Errorf("failed = %+v, want /hello/{name} and /news", failed)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if got := strings.TrimSpace(string(args)); got != "prerender --keep-going" {
		t.Errorf("the app ran with %q, want prerender --keep-going", got)
	}
}

// TestProgressNotATerminal: into a file or a pipe, progress is plain
// lines, a few per run, and never a carriage return.
func TestProgressNotATerminal(t *testing.T) {
	t.Parallel()
	var lines strings.Builder
	for i := 1; i <= 250; i++ {
		fmt.Fprintf(&lines, `{"done":%d,"total":250,"route":"/p/{n}","path":"/p/%d","status":200,"bytes":10}`+"\n", i, i)
	}
	bin, dir := fakeApp(t, lines.String(), "", 0)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "build.log"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, w := range []io.Writer{&buf, logFile} {
		pages, _, err := prerender(context.Background(), bin, dir, nil, w, false)
		if err != nil || len(pages) != 250 {
			t.Fatalf("prerender: %d pages, %v", len(pages), err)
		}
	}
	logFile.Close()
	fromFile, err := os.ReadFile(logFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"buffer": buf.String(), "file": string(fromFile)} {
		if strings.ContainsAny(got, "\r\x1b") {
			t.Errorf("%s: progress has a carriage return or an escape: %q", name, got)
		}
		want := "prerendering: 25/250 pages\n"
		for i := 50; i <= 250; i += 25 {
			want += fmt.Sprintf("prerendering: %d/250 pages\n", i)
		}
		if got != want {
			t.Errorf("%s: progress\n%s\nwant\n%s", name, got, want)
		}
	}
}

// TestPrerenderLongLine: a line longer than the app's prerender lines
// (so one it printed itself) is skipped whole, and every line after it
// still counts; the app is never left blocked on its output.
func TestPrerenderLongLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2<<20) + "\n"
	line := `{"done":2,"total":2,"route":"/a","path":"/a","status":200}` + "\n"
	tests := []struct {
		name, stdout string
		want         int
	}{
		{"long first", long + strings.Repeat(line, 20000), 20000},
		{"long between", line + long + line, 2},
		{"long last, no newline", line + long[:len(long)-1], 1},
		{"exactly the limit", strings.Repeat("y", 1<<20-1) + "\n" + line, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin, dir := fakeApp(t, tt.stdout, "", 0)
			pages, _, err := prerender(context.Background(), bin, dir, nil, io.Discard, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != tt.want {
				t.Errorf("%d pages, want %d", len(pages), tt.want)
			}
		})
	}
}
