package devcmd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/cli/watch"
	"github.com/goxweb/gox/internal/wire"
)

// rebuild generates code, compiles the app and restarts it. A failure is
// shown in the browser; the last good app keeps serving behind it.
func (s *server) rebuild(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	bin := filepath.Join(s.dir, ".gox", "dev", "app")
	s.failed = true
	if err := s.build(ctx, bin); err != nil {
		fmt.Fprintf(s.log, "gox dev: build failed:\n%s\n", err)
		s.buildErr = err.Error()
		s.showErrorsLocked()
		return
	}
	s.stopAppLocked()
	if s.templ != nil {
		// Only now: the old app would have read text meant for new code.
		if err := s.templ.Commit(); err != nil {
			s.buildErr = err.Error()
			s.showErrorsLocked()
			return
		}
	}
	if err := s.startApp(bin); err != nil {
		fmt.Fprintf(s.log, "gox dev: %v\n", err)
		s.buildErr = err.Error()
		s.showErrorsLocked()
		return
	}
	s.failed = false
	fmt.Fprintf(s.log, "gox dev: rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
	s.buildErr = ""
	s.showErrorsLocked()
	s.proxy.Reload()
}

// updateText shows saved templates whose Go code did not change without
// a build: the running app reads their text from templ's text files. It
// reports false when a build is needed after all.
func (s *server) updateText(evs []watch.Event) bool {
	if s.templ == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed || s.app == nil {
		return false
	}
	start := time.Now()
	for _, e := range evs {
		if e.Kind != watch.Templ {
			continue
		}
		if _, err := os.Stat(e.Path); err != nil {
			return false // removed or renamed: the route table changes
		}
		if rebuild, err := s.templ.File(e.Path); rebuild || err != nil {
			return false
		}
	}
	if err := s.templ.Commit(); err != nil {
		return false
	}
	fmt.Fprintf(s.log, "gox dev: text updated in %s, no rebuild\n", time.Since(start).Round(time.Millisecond))
	s.proxy.Reload()
	return true
}

func (s *server) build(ctx context.Context, bin string) error {
	// The dev generator writes what templ generate does, plus the text
	// files; with --isr there are none to write.
	genTempl := func() error { return gen.Templ(ctx, s.dir) }
	if s.templ != nil {
		genTempl = s.templ.All
	}
	if err := genTempl(); err != nil {
		return err
	}
	// Reading the routes' types costs as much as compiling them, and an
	// edit inside a function body, the usual one, cannot change the table:
	// scan only when declarations, files or modules changed.
	inputs, err := gen.Inputs(s.dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.dir, gen.OutputFile)); err != nil || inputs != s.scanned {
		s.scanned = [32]byte{}
		if _, err := gen.WriteLinks(s.dir); err != nil {
			return err
		}
		t, err := gen.Scan(s.dir)
		if err != nil {
			return err
		}
		if _, err := t.WriteFile(s.dir); err != nil {
			return err
		}
		s.scanned = inputs
	}
	return goBuild(ctx, s.dir, bin)
}

// goBuild compiles the app in dir to bin.
func goBuild(ctx context.Context, dir, bin string) error {
	// No symbol table or DWARF: the link is most of a rebuild, and this
	// cuts it by a third.
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%s", msg)
		}
		// Killed, or never started: the compiler said nothing.
		return fmt.Errorf("go build: %w", err)
	}
	return nil
}

// startApp runs the built app in development mode and waits until it
// listens (or exits).
func (s *server) startApp(bin string) error {
	cmd := exec.Command(bin)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(),
		"HOST=127.0.0.1", "PORT="+strconv.Itoa(s.appPort),
		wire.EnvAssetsDir+"="+filepath.Join(s.dir, "assets"),
		wire.EnvStaticDir+"="+filepath.Join(s.dir, "static"),
		wire.EnvCache+"="+filepath.Join(s.dir, ".gox", "dev", "cache.db"),
	)
	if s.isr {
		// Each build starts on an empty cache, so an edit is never hidden
		// behind a page cached by the build before.
		db := filepath.Join(s.dir, ".gox", "dev", "cache.db")
		for _, f := range []string{db, db + "-wal", db + "-shm"} {
			if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("empty the dev cache: %w", err)
			}
		}
	} else {
		cmd.Env = append(cmd.Env, wire.EnvDev+"=1")
		cmd.Env = append(cmd.Env, s.templ.Env()...)
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = s.log, &prefixWriter{w: s.log, buf: &logs}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start app: %w", err)
	}
	end := make(chan struct{})
	go func() { cmd.Wait(); close(end) }()
	s.app, s.end = cmd.Process, end
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-end:
			return fmt.Errorf("the app exited at start:\n%s", strings.TrimSpace(logs.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.appPort), 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the app did not listen within 15 s")
}

func (s *server) stopApp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopAppLocked()
}

// stopAppLocked asks the app to shut down, and kills it if it has not
// within 5 s.
func (s *server) stopAppLocked() {
	if s.app == nil {
		return
	}
	s.app.Signal(os.Interrupt)
	select {
	case <-s.end:
	case <-time.After(5 * time.Second):
		s.app.Kill()
		<-s.end
	}
	s.app = nil
}

// prefixWriter copies the app's log to the terminal and keeps it for an
// error page if the app dies at start.
type prefixWriter struct {
	w   interface{ Write([]byte) (int, error) }
	buf *bytes.Buffer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.buf.Len() < 64<<10 {
		p.buf.Write(b)
	}
	return p.w.Write(b)
}
