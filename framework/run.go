package gox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
)

// buildID is set at link time by gox build
// (-ldflags "-X github.com/goxweb/gox/framework.buildID=...").
var buildID string

// defaultApp is the app Run started; package-level functions such as
// RevalidateTag use it when their context names no app.
var defaultApp atomic.Pointer[App]

// Run is an app's main function: gox.Run(routeTable). With no arguments it
// serves on HOST:PORT (default :3000) from the SQLite cache at
// GOX_CACHE (default .gox/cache.db); with "prerender" it renders every
// static page into the cache and exits (gox build runs it). See docs/cli.md
// for the environment variables.
func Run(routes Routes) {
	os.Exit(Main(context.Background(), routes, os.Args[1:], os.Stdout, os.Stderr))
}

// Main is Run with its inputs and outputs explicit; it returns the exit
// code.
func Main(ctx context.Context, routes Routes, args []string, stdout, stderr io.Writer) int {
	log := newLogger(stderr)
	mode := "serve"
	if len(args) > 0 {
		mode = args[0]
	}
	if mode != "serve" && mode != "prerender" {
		fmt.Fprintf(stderr, "unknown command %q\nhint: run with no arguments to serve, or \"prerender\" to fill the cache\n", mode)
		return 64
	}
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 64
	}
	cfg.Logger = log
	path := envOr(os.Getenv, "GOX_CACHE", ".gox/cache.db")
	opts, memOpts, err := storeOptions(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\nhint: give a whole number, or -1 for no bound\n", err)
		return 64
	}
	opts.Logger, memOpts.Logger = log, log
	file, err := sqlite.Open(path, opts)
	if err != nil {
		fmt.Fprintf(stderr, "open cache %s: %v\nhint: is another program holding the file, or is the folder read-only?\n", path, err)
		return 1
	}
	store, err := tiered.New(file, memOpts)
	if err != nil {
		file.Close()
		fmt.Fprintf(stderr, "open cache %s: %v\n", path, err)
		return 1
	}
	defer store.Close() // closes file too
	cfg.Store = store
	app, err := New(routes, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	defer app.Close()
	defaultApp.Store(app)
	if mode == "prerender" {
		return prerender(ctx, app, stdout, stderr)
	}
	addr := net.JoinHostPort(os.Getenv("HOST"), envOr(os.Getenv, "PORT", "3000"))
	if err := app.ListenAndServe(ctx, addr); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return 0
}

// prerender fills the cache, printing one JSON line per page for gox build.
func prerender(ctx context.Context, app *App, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	type line struct {
		Done  int `json:"done"`
		Total int `json:"total"`
		Prerendered
	}
	_, err := app.Prerender(ctx, 0, func(done, total int, p Prerendered) {
		_ = enc.Encode(line{done, total, p})
	})
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return 0
}

// ListenAndServe serves the app on addr until ctx is done or the process
// gets SIGINT or SIGTERM, then shuts down gracefully.
func (a *App) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve serves the app on ln until ctx is done or the process gets SIGINT
// or SIGTERM.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cmp.Or(a.cfg.ReadTimeout, 30*time.Second),
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("gox listening", "url", "http://"+displayAddr(ln.Addr().String()), "build", a.cfg.BuildID)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("gox shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func displayAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "::" || host == "0.0.0.0" || host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// ConfigFromEnv reads an App's configuration from the environment:
// GOX_DEV, GOX_BUILD_ID, GOX_REVALIDATE_TOKEN, GOX_DRAFT_SECRET,
// GOX_ORIGIN, GOX_ALLOWED_ORIGINS (comma-separated), GOX_TRUSTED_PROXIES
// (comma-separated IP addresses or CIDR prefixes), GOX_READ_TIMEOUT (a
// duration such as 30s), GOX_ASSETS_DIR and GOX_STATIC_DIR.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Dev:             getenv("GOX_DEV") == "1",
		BuildID:         envOr(getenv, "GOX_BUILD_ID", buildID),
		RevalidateToken: getenv("GOX_REVALIDATE_TOKEN"),
		DraftSecret:     getenv("GOX_DRAFT_SECRET"),
		Origin:          strings.TrimSuffix(getenv("GOX_ORIGIN"), "/"),
		AssetsDir:       getenv("GOX_ASSETS_DIR"),
		StaticDir:       getenv("GOX_STATIC_DIR"),
	}
	if cfg.BuildID == "" {
		cfg.BuildID = "dev"
	}
	var err error
	if cfg.RevalidateToken != "" && cfg.RevalidateToken == cfg.DraftSecret {
		return Config{}, errors.New("GOX_REVALIDATE_TOKEN and GOX_DRAFT_SECRET are the same\nhint: use two different secrets, so a draft link can never revalidate")
	}
	if v := getenv("GOX_ALLOWED_ORIGINS"); v != "" {
		for o := range strings.SplitSeq(v, ",") {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, strings.TrimSpace(o))
		}
	}
	if cfg.TrustedProxies, err = parsePrefixes(getenv("GOX_TRUSTED_PROXIES")); err != nil {
		return Config{}, fmt.Errorf("GOX_TRUSTED_PROXIES: %w\nhint: list your proxies' addresses, e.g. GOX_TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1", err)
	}
	if v := getenv("GOX_READ_TIMEOUT"); v != "" {
		if cfg.ReadTimeout, err = time.ParseDuration(v); err != nil || cfg.ReadTimeout <= 0 {
			return Config{}, fmt.Errorf("GOX_READ_TIMEOUT: %q is not a positive duration\nhint: write it like 30s or 2m", v)
		}
	}
	return cfg, nil
}

// parsePrefixes parses comma-separated IP addresses and CIDR prefixes; an
// address stands for itself alone.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if addr, err := netip.ParseAddr(s); err == nil {
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// storeOptions reads the cache's bounds: GOX_CACHE_MAX_ENTRIES,
// GOX_CACHE_MAX_BYTES, their _PER_ROUTE forms and GOX_CACHE_MEMORY_BYTES.
// Unset reads as 0, which sqlite.Open and tiered.New turn into their
// defaults; -1 means no bound (for the memory tier: none).
func storeOptions(getenv func(string) string) (sqlite.Options, tiered.Options, error) {
	var o sqlite.Options
	var m tiered.Options
	var entries, routeEntries int64
	for _, v := range []struct {
		name string
		dst  *int64
	}{
		{"GOX_CACHE_MAX_ENTRIES", &entries},
		{"GOX_CACHE_MAX_BYTES", &o.MaxBytes},
		{"GOX_CACHE_MAX_ENTRIES_PER_ROUTE", &routeEntries},
		{"GOX_CACHE_MAX_BYTES_PER_ROUTE", &o.MaxBytesPerRoute},
		{"GOX_CACHE_MEMORY_BYTES", &m.MemoryBytes},
	} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1 {
			return sqlite.Options{}, tiered.Options{}, fmt.Errorf("%s: %q is not a number of at least -1", v.name, s)
		}
		*v.dst = n
	}
	o.MaxEntries, o.MaxEntriesPerRoute = int(entries), int(routeEntries)
	return o, m, nil
}

// newLogger logs text to w, or JSON with GOX_LOG=json.
func newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if os.Getenv("GOX_LOG_LEVEL") == "debug" {
		opts.Level = slog.LevelDebug
	}
	if os.Getenv("GOX_LOG") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
