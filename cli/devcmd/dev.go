// Package devcmd implements gox dev: the app rebuilt and restarted on
// every save behind a small proxy that reloads the browser, swaps
// stylesheets in place, and shows build errors as a page while the last
// good app keeps running. A template edit that changes only text is
// shown without a build, through templ's dev-mode text files; assets are
// bundled by gox dev itself with an incremental esbuild context.
//
// Example:
//
//	gox dev --dir ./shop --port 3000
package devcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/devproxy"
	"github.com/goxweb/gox/cli/templdev"
	"github.com/goxweb/gox/cli/watch"
	"github.com/goxweb/gox/internal/wire"
)

// New returns gox dev.
func New() *cobra.Command {
	var o options
	c := &cobra.Command{
		Use:   "dev",
		Short: "run the app with live reload",
		Long: "gox dev serves the app on http://$HOST:PORT (HOST defaults to 127.0.0.1), rebuilds it on every\n" +
			"save and reloads the browser; build errors show in the browser.",
		Example: "  gox dev --dir ./shop --port 3000",
		Args:    command.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return run(c.Context(), command.EnvOf(c, nil), o) },
	}
	o.dir = command.DirFlag(c)
	c.Flags().StringVar(&o.port, "port", envOr(wire.EnvPort, wire.DefaultPort), "the port to serve on; $PORT sets the default")
	c.Flags().BoolVar(&o.isr, "isr", false, "serve through the real ISR cache instead of rendering every request")
	return c
}

// options are gox dev's flags.
type options struct {
	dir  *string
	port string
	isr  bool
}

func run(ctx context.Context, env command.Env, o options) error {
	host := envOr(wire.EnvHost, "127.0.0.1")
	port, isr := o.port, o.isr
	if err := command.AppDir(*o.dir); err != nil {
		return err
	}
	dir := *o.dir
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return command.Usagef("--port takes a number, e.g. --port 3000", "bad port %q", port)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &server{dir: abs, isr: isr, log: env.Stderr}
	if !isr {
		// Cached pages would hide a text change the app did not render.
		if s.templ, err = templdev.New(abs); err != nil {
			return err
		}
		defer s.templ.Clean()
	}
	if s.appPort, err = freePort(); err != nil {
		return err
	}
	target, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(s.appPort))
	s.proxy = devproxy.New(target)

	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return command.WithHint(fmt.Errorf("listen on %s:%s: %w", host, port, err), "another server is using the port; pick another with --port")
	}
	if s.assets, err = newDevAssets(filepath.Join(abs, "assets")); err != nil {
		return err
	}
	defer s.assets.close()
	srv := &http.Server{Handler: s.assets.wrap(s.proxy), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// The address to open comes first, before the build's and the app's
	// own lines (the app listens on a private port behind this one).
	fmt.Fprintf(env.Stdout, "gox dev: http://%s\n", ln.Addr())
	start := time.Now()
	roots := []string{}
	for _, sub := range []string{"routes", "assets", "static"} {
		if fi, err := os.Stat(filepath.Join(abs, sub)); err == nil && fi.IsDir() {
			roots = append(roots, filepath.Join(abs, sub))
		}
	}
	roots = append(roots, abs)
	// Watch before the first build: a save made while it runs (or right
	// after the first page is served) is then seen and shown.
	w, err := watch.New(roots, 50*time.Millisecond)
	if err != nil {
		return err
	}
	s.bundleAssets()
	s.rebuild(ctx)
	fmt.Fprintf(env.Stdout, "gox dev: ready in %s\n", time.Since(start).Round(time.Millisecond))
	err = w.Run(ctx, func(evs []watch.Event) { s.changed(ctx, evs) })
	s.stopApp()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("watch: %w", err)
	}
	return nil
}

// server is the running dev session.
type server struct {
	dir     string
	isr     bool
	log     io.Writer
	proxy   *devproxy.Proxy
	appPort int
	templ   *templdev.Generator // nil with --isr: every edit rebuilds

	mu       sync.Mutex // serializes rebuilds, text updates and app restarts
	app      *os.Process
	end      chan struct{} // closed when app exits
	failed   bool          // the last build failed: the app is behind the sources
	scanned  [32]byte      // gen.Inputs at the last route scan
	buildErr string        // shown in the browser with assetErr
	assetErr string

	assets *devAssets
}

// changed reacts to a batch of saved files with the least work that shows
// them: a stylesheet swap, a reload, or a rebuild.
func (s *server) changed(ctx context.Context, evs []watch.Event) {
	rebuild, templ, script, css, bundle := false, false, false, false, false
	for _, e := range evs {
		switch e.Kind {
		case watch.Templ:
			templ = true
		case watch.Go, watch.Folder:
			rebuild = true
		case watch.CSS:
			css, bundle = true, true
		case watch.Script:
			script, bundle = true, true
		case watch.Static:
			script = true
		default:
			if filepath.Base(e.Path) == "go.mod" || filepath.Base(e.Path) == "go.sum" {
				rebuild = true
			}
		}
	}
	if bundle && !s.bundleAssets() {
		script, css = false, false // the error page is showing
	}
	switch {
	case rebuild:
		s.rebuild(ctx)
	case templ:
		if !s.updateText(evs) {
			s.rebuild(ctx)
		}
	case script:
		s.proxy.Reload()
	case css:
		s.proxy.ReloadCSS()
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
