package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/internal/wire"
)

// Main is an app's main function with its inputs and outputs explicit: it
// returns the exit code. With no arguments it serves on HOST:PORT (default
// :3000) from the SQLite cache at GOX_CACHE (default .gox/cache.db) until
// ctx is done or the process gets SIGINT or SIGTERM; with "prerender" it
// renders every static page into the cache, prints a wire.Prerendered line
// for each, and exits. Usage errors exit 64.
func Main(ctx context.Context, routes page.Routes, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	getenv := os.Getenv
	log, err := newLogger(getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 64
	}
	mode := "serve"
	if len(args) > 0 {
		mode = args[0]
	}
	keepGoing := mode == wire.PrerenderCommand && len(args) == 2 && args[1] == wire.KeepGoingFlag
	if mode != "serve" && mode != wire.PrerenderCommand || len(args) > 1 && !keepGoing {
		fmt.Fprintf(stderr, "unknown command %q\nhint: run with no arguments to serve, or %q [%s] to fill the cache\n",
			strings.Join(args, " "), wire.PrerenderCommand, wire.KeepGoingFlag)
		return 64
	}
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 64
	}
	cfg.Logger = log
	path := cachePath(getenv)
	opts, memOpts, err := StoreOptionsFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 64
	}
	opts.Logger, memOpts.Logger = log, log
	isRedis := redis.IsURL(path)
	if isRedis {
		if _, _, err := redis.ParseURL(path, getenv(wire.EnvRedisPassword)); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", wire.EnvCache, err)
			return 64
		}
	}
	var store cache.Store
	defer func() {
		if store != nil {
			store.Close() // closes the file too
		}
	}()
	// The store is opened for this build, whose pages it keeps apart
	// from those of another build sharing the file or the Redis.
	app, err := newApp(routes, cfg, func(build string) (cache.Store, error) {
		var st cache.Store
		var err error
		if isRedis {
			st, err = openRedis(path, build, memOpts, log, getenv)
		} else {
			opts.BuildID = build
			st, err = openStore(path, opts, memOpts, log)
		}
		if err == nil {
			store = st
		}
		return st, err
	})
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	defer app.Close()
	defaultApp.Store(app)
	if mode == wire.PrerenderCommand {
		return prerender(ctx, app, keepGoing, stdout, stderr)
	}
	if err := app.ListenAndServe(ctx, listenAddr(getenv)); err != nil {
		log.Error("gox stopped", "err", err)
		return 1
	}
	return 0
}

// prerender fills the cache, printing one JSON line per page for gox
// build. With keepGoing a page that fails is a line with its error, and
// the others are still rendered.
func prerender(ctx context.Context, app *App, keepGoing bool, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	run := app.Prerender
	if keepGoing {
		run = app.PrerenderKeepGoing
	}
	if _, err := run(ctx, 0, func(p wire.Prerendered) { _ = enc.Encode(p) }); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return 0
}
