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
// gracefully.
func (a *App) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve serves the app on ln until ctx is done, then shuts down gracefully.
// It installs no signal handlers: Main does, so a program that embeds an
// App keeps its own.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
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
	go func() { errc <- srv.Serve(guardFraming(srv, ln)) }()
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
