// Package server is the gox runtime: an App serves a route table's pages
// through the ISR engine, runs their server actions and plain handlers,
// answers the reserved /_gox/ endpoints, prerenders for gox build and
// keeps read-your-writes for the browser that just acted. Main is an app
// binary's whole main function; page authors reach it through gox.Run.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/inspector"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/metrics"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/signed"
)

// App is a gox application: its routes, its cache and its HTTP handler.
type App struct {
	cfg      Config
	log      *slog.Logger
	engine   *isr.Engine
	router   *route.Router[*pageRoute]
	pages    []*pageRoute
	notFound *pageRoute // renders unmatched URLs
	echo     *echo.Echo
	handler  http.Handler   // echo inside the app's middleware
	host     string         // of cached renders
	sitemap  *sitemap       // nil without an origin, or with the app's own
	ryw      signed.Key     // signs read-your-writes cookies
	bodies   *bodyBudget    // bounds action bodies in flight
	assets   *assets.Bundle // nil without assets
	metrics  *metrics.Metrics
	// purges sends invalidations to the CDNs; nil without purgers.
	purges *purge.Queue
	// inspector is the cache inspector page, served with the metrics.
	inspector http.Handler
	// staticRetry spaces the calls of a failing StaticParams.
	staticRetry time.Duration
	// devStatic finds a static file on disk in development.
	devStatic *devStatic
}

// New builds an App from a route table. It does not listen; see Handler
// and Serve. Close releases the engine (not the store).
//
// A cache that builds share (a file a new build prerenders into while the
// old one serves) keeps each build's pages apart when its store is opened
// for the app's build, as Main opens it (sqlite.Options.BuildID).
func New(routes page.Routes, cfg Config) (*App, error) {
	if cfg.Store == nil {
		return nil, errors.New("gox: Config.Store is required")
	}
	return newApp(routes, cfg, nil)
}

// newApp is New; open, when set, opens the store once the app's build id
// is known (Config.BuildID, plus the hash of the assets bundle), so that
// the store keeps the pages of this build apart from other builds'.
func newApp(routes page.Routes, cfg Config, open func(buildID string) (cache.Store, error)) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxActionBytes <= 0 {
		cfg.MaxActionBytes = defaultMaxActionBytes
	}
	if cfg.RenderTimeout <= 0 {
		cfg.RenderTimeout = cmp.Or(cfg.Engine.RenderTimeout, 30*time.Second)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.ActionBytesInFlight <= 0 {
		cfg.ActionBytesInFlight = defaultActionBytesInFlight
	}
	// One body of the largest size must always fit.
	cfg.ActionBytesInFlight = max(cfg.ActionBytesInFlight, cfg.MaxActionBytes)
	a := &App{cfg: cfg, log: cfg.Logger, router: route.NewRouter[*pageRoute](), host: "localhost", ryw: signed.NewKey(), bodies: newBodyBudget(cfg.ActionBytesInFlight), staticRetry: staticRetry}
	if cfg.Origin != "" {
		a.host = strings.TrimPrefix(strings.TrimPrefix(cfg.Origin, "https://"), "http://")
	}
	if err := a.buildAssets(routes); err != nil {
		return nil, err
	}
	if open != nil {
		st, err := open(a.cfg.BuildID)
		if err != nil {
			return nil, err
		}
		cfg.Store, a.cfg.Store = st, st
	}
	eopts := cfg.Engine
	eopts.Store, eopts.BuildID, eopts.Logger = cfg.Store, a.cfg.BuildID, cfg.Logger
	eopts.Encode, eopts.RenderTimeout = httpcache.Encode, cfg.RenderTimeout
	if cs, ok := cfg.Store.(cache.CounterStore); ok && eopts.Observer == nil {
		eopts.Observer = isr.NewCounter(cs, isr.CounterOptions{Logger: cfg.Logger})
	}
	mopts := metrics.Options{Store: cfg.Store, Pending: func() int { return a.engine.Pending() }}
	observers := []isr.Observer{eopts.Observer}
	if len(cfg.Purgers) > 0 {
		popts := cfg.PurgeOptions
		popts.Logger = cmp.Or(popts.Logger, cfg.Logger)
		a.purges = purge.NewQueue(cfg.Purgers, popts)
		mopts.Purges = a.purges.Stats
		observers = append(observers, purgeObserver{a.purges})
	}
	a.metrics = metrics.New(mopts)
	eopts.Observer = isr.Observers(append(observers, a.metrics)...)
	eng, err := isr.New(eopts)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("gox: %w", err)
	}
	a.engine = eng
	a.inspector = inspector.New(inspector.Options{
		Metrics: a.metrics, Store: cfg.Store, Engine: eng, BuildID: cfg.BuildID, Revalidate: a.Revalidate,
		CheckOrigin: func(r *http.Request) error { return action.CheckOrigin(r, a.originConfig()) },
	})
	for i := range routes.Pages {
		p := &routes.Pages[i]
		pr, err := a.newPageRoute(p)
		if err != nil {
			a.Close()
			return nil, err
		}
		if err := a.router.Add(p.Pattern, pr); err != nil {
			a.Close()
			return nil, fmt.Errorf("gox: route %s: %w", p.Pattern, err)
		}
		a.pages = append(a.pages, pr)
	}
	if a.notFound, err = a.newNotFoundRoute(routes); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.newSitemap(routes); err != nil {
		a.Close()
		return nil, err
	}
	if a.echo, err = a.newEcho(routes); err != nil {
		a.Close()
		return nil, err
	}
	if a.handler, err = a.withMiddleware(routes.Middleware, a.echo); err != nil {
		a.Close()
		return nil, fmt.Errorf("gox: middleware: %w", err)
	}
	if cfg.AccessLog {
		a.handler = accessLog(a.log, a.handler)
	}
	return a, nil
}

// Handler returns the app's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Metrics returns the app's metrics: its Registry takes an app's own.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// Engine returns the app's ISR engine.
func (a *App) Engine() *isr.Engine { return a.engine }

// Close stops background regeneration, persists counters, sends the
// purges still queued (for up to the purge queue's CloseTimeout) and
// stops the metrics' history. The store stays open: it is the caller's.
func (a *App) Close() error {
	var errs []error
	if a.engine != nil {
		errs = append(errs, a.engine.Close())
	}
	if a.purges != nil {
		errs = append(errs, a.purges.Close())
	}
	errs = append(errs, a.metrics.Close())
	return errors.Join(errs...)
}

// Revalidate marks the pages at paths and the pages carrying tags stale
// (cache.Stale: they regenerate in the background while visitors keep
// getting the old page) or expired (cache.Expire: the next request waits
// for a fresh render). Paths are written as in links ("/products/1/" is the
// page at "/products/1"); a path no request could reach is an error. Called
// from an action, it makes the acting browser read its own write.
func (a *App) Revalidate(ctx context.Context, paths, tags []string, mode cache.Mode) (isr.Invalidation, error) {
	canon := make([]string, len(paths))
	for i, p := range paths {
		c, err := revalidate.CanonicalPath(p)
		if err != nil {
			return isr.Invalidation{}, fmt.Errorf("gox: %w", err)
		}
		canon[i] = c
	}
	// The time is taken before the call, not after: the regeneration the
	// call queues may start before it returns, and the acting browser must
	// accept that render rather than wait for another.
	at := time.Now()
	inv, err := a.engine.Revalidate(ctx, canon, tags, mode)
	if err == nil {
		page.MarkWrite(ctx, at, canon, tags)
	}
	return inv, err
}

// appKey finds the App in a request's context, for revalidation and assets
// from plain handlers.
type appKey struct{}

// defaultApp is the app Main started; FromContext falls back to it.
var defaultApp atomic.Pointer[App]

// FromContext returns the App serving the request or rendering the page ctx
// belongs to, else the one Main started, else nil.
func FromContext(ctx context.Context) *App {
	if a, ok := ctx.Value(appKey{}).(*App); ok {
		return a
	}
	return defaultApp.Load()
}
