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
)

// rebuild generates code, compiles the app and restarts it. A failure is
// shown in the browser; the last good app keeps serving behind it.
func (s *server) rebuild(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	bin := filepath.Join(s.dir, ".gox", "dev", "app")
	if err := s.build(ctx, bin); err != nil {
		fmt.Fprintf(s.log, "gox dev: build failed:\n%s\n", err)
		s.proxy.ShowError(err.Error())
		return
	}
	s.stopAppLocked()
	if err := s.startApp(bin); err != nil {
		fmt.Fprintf(s.log, "gox dev: %v\n", err)
		s.proxy.ShowError(err.Error())
		return
	}
	fmt.Fprintf(s.log, "gox dev: rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
	s.proxy.ClearError()
	s.proxy.Reload()
}

func (s *server) build(ctx context.Context, bin string) error {
	if _, err := gen.Generate(ctx, s.dir); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s", strings.TrimSpace(out.String()))
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
		"GOX_ASSETS_DIR="+filepath.Join(s.dir, "assets"),
		"GOX_STATIC_DIR="+filepath.Join(s.dir, "static"),
		"GOX_CACHE="+filepath.Join(s.dir, ".gox", "dev", "cache.db"),
	)
	if !s.isr {
		cmd.Env = append(cmd.Env, "GOX_DEV=1")
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
