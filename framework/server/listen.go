package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ListenAndServe serves the app on addr until ctx is done, then shuts down
// gracefully; with Config.AdminAddr, it serves AdminHandler there too
// until the app has stopped.
func (a *App) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	if a.cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", a.cfg.AdminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen %s (admin): %w", a.cfg.AdminAddr, err)
		}
		defer a.serveAdmin(aln)()
	}
	return a.Serve(ctx, ln)
}

// serveAdmin serves AdminHandler on ln until the function it returns is
// called.
func (a *App) serveAdmin(ln net.Listener) (stop func()) {
	srv := &http.Server{
		Handler:           a.AdminHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("gox admin listening", "url", "http://"+displayAddr(ln.Addr().String()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("gox admin listener stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-done
	}
}

// Serve serves the app on ln until ctx is done, then shuts down gracefully.
// It installs no signal handlers: Main does, so a program that embeds an
// App keeps its own.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	var conns activeConns
	srv := &http.Server{
		ConnState:         conns.track,
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
	go func() { errc <- srv.Serve(guardFraming(srv, ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return a.shutdown(srv, &conns, errc)
}

// shutdown stops srv within cfg.ShutdownTimeout. Requests in flight run on
// until a little before the deadline; then the renders still running are
// abandoned, so a request waiting on a hung render answers with the last
// good page (or an error page) while its connection is still open.
// Background regenerations may finish until the deadline and are abandoned
// at it. Only requests still running at the deadline are cut, and only they
// make shutdown fail.
func (a *App) shutdown(srv *http.Server, conns *activeConns, errc <-chan error) error {
	d := a.cfg.ShutdownTimeout
	a.log.Info("gox shutting down", "timeout", d)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	grace := min(d/10, time.Second)
	abandon := time.AfterFunc(d-grace, func() {
		a.log.Warn("gox shutdown: abandoning renders still running", "after", d-grace)
		a.engine.Abandon()
	})
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-shut:
			break wait
		case <-tick.C:
			if conns.idle() {
				// Every response is written: the idle connections can go
				// now, without waiting for Shutdown's next poll.
				_ = srv.Close()
				break wait
			}
		}
	}
	abandon.Stop() // background work alone may run on until the deadline
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut: %w", d, err)
	}
	if n := a.engine.Drain(ctx); n > 0 {
		a.log.Warn("gox shutdown: background regenerations abandoned at the deadline", "regenerations", n)
	}
	a.log.Info("gox stopped")
	return nil
}

func displayAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "::" || host == "0.0.0.0" || host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
