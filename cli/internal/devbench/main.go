// Command devbench times what a developer waits for: gox new to the first
// page served by gox dev, then, in that session, a template text edit, a
// stylesheet edit and a Go edit to the page (or stylesheet) that shows
// them. It polls over HTTP from its own process, every 10 ms. make
// bench-dev runs it, once with the Go build cache as it is and once with an
// empty one.
//
// Example:
//
//	go run ./cli/internal/devbench -gox /tmp/gox -cold
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/goxweb/gox/internal/syncbuf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devbench:", err)
		os.Exit(1)
	}
}

func run() error {
	gox := flag.String("gox", "", "the gox binary to time (required)")
	cold := flag.Bool("cold", false, "start from an empty Go build cache (GOCACHE), and time gox new only")
	flag.Parse()
	if *gox == "" {
		return errors.New("-gox is required")
	}
	work, err := os.MkdirTemp("", "gox-devbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	env := os.Environ()
	if *cold {
		env = append(env, "GOCACHE="+filepath.Join(work, "gocache"))
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	app := filepath.Join(work, "app")

	start := time.Now()
	newCmd := exec.Command(*gox, "new", "app")
	newCmd.Dir, newCmd.Env = work, env
	if out, err := newCmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gox new: %w\n%s", err, out)
	}
	var log syncbuf.Buffer // exec copies gox dev's output into it while this reads it
	dev := exec.Command(*gox, "dev", "--port", strconv.Itoa(port))
	dev.Dir, dev.Env, dev.Stdout, dev.Stderr = app, env, &log, &log
	if err := dev.Start(); err != nil {
		return err
	}
	defer func() {
		dev.Process.Signal(syscall.SIGINT)
		dev.Wait()
	}()
	if err := poll(url+"/", "Welcome to gox", 10*time.Minute); err != nil {
		return fmt.Errorf("%w\n%s", err, log.String())
	}
	cache := "warm"
	if *cold {
		cache = "empty"
	}
	fmt.Printf("gox new to first page served (%s Go build cache): %.2f s\n", cache, time.Since(start).Seconds())
	if *cold {
		return nil
	}
	edits := []struct {
		what, file, old, new, url, want string
	}{
		{"template text edit to page served", "routes/page.templ", "Welcome to gox", "Welcome to my shop", "/", "Welcome to my shop"},
		{"CSS edit to stylesheet served", "assets/app.css", "", "\n.devbench { color: red }\n", "/_gox/assets/app.css", ".devbench"},
		{"Go edit to page served", "routes/page.go", "time.TimeOnly)}", `time.TimeOnly) + " (edited)"}`, "/", "(edited)"},
	}
	for _, e := range edits {
		time.Sleep(time.Second) // let the last change settle
		if err := edit(filepath.Join(app, e.file), e.old, e.new); err != nil {
			return err
		}
		t := time.Now()
		if err := poll(url+e.url, e.want, 2*time.Minute); err != nil {
			return fmt.Errorf("%s: %w\n%s", e.what, err, log.String())
		}
		fmt.Printf("%s: %.3f s\n", e.what, time.Since(t).Seconds())
	}
	for line := range strings.Lines(log.String()) {
		if strings.Contains(line, "rebuilt in") || strings.Contains(line, "no rebuild") {
			fmt.Print("  gox dev said: ", line)
		}
	}
	return nil
}

// edit replaces old with new in file, or appends new when old is empty.
func edit(file, old, new string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(b)
	switch {
	case old == "":
		s += new
	case !strings.Contains(s, old):
		return fmt.Errorf("%s has no %q", file, old)
	default:
		s = strings.Replace(s, old, new, 1)
	}
	return os.WriteFile(file, []byte(s), 0o644)
}

// poll GETs url every 10 ms until its body holds want.
func poll(url, want string, limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := client.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.Contains(b, []byte(want)) {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%s never showed %q within %s", url, want, limit)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
