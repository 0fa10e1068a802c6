package gox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

// Config configures an App. Run fills it from the environment; zero values
// take the defaults named.
type Config struct {
	// Store is the page cache (Run opens SQLite at .gox/cache.db).
	Store cache.Store
	// BuildID names the build; entries of other builds regenerate.
	BuildID string
	// Dev renders every page fresh on every request (X-Gox-Cache: DEV).
	Dev bool
	// RevalidateToken enables POST /_gox/revalidate and the
	// x-prerender-revalidate header; empty disables both.
	RevalidateToken string
	// DraftSecret enables draft mode at /_gox/draft; empty disables it.
	DraftSecret string
	// Origin is the canonical origin ("https://shop.example") used for
	// absolute URLs and as the Host of cached renders.
	Origin string
	// AllowedOrigins may post server actions besides the request's own
	// and Origin.
	AllowedOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-Host and
	// X-Forwarded-Proto the action origin check believes; from anyone else
	// those headers are ignored, so a client cannot claim another origin.
	TrustedProxies []netip.Prefix
	// ReadTimeout bounds reading a whole request, body included, in Serve
	// (default 30 s), so a client trickling a body cannot hold a
	// connection open.
	ReadTimeout time.Duration
	// Engine tunes the ISR engine; Store, BuildID and Resolve are set by
	// the App.
	Engine isr.Options
	// AssetsDir, in development, bundles assets from this folder on disk
	// for every asset request (esbuild rebuilds only what changed),
	// instead of Routes.Assets once; pages link development names.
	AssetsDir string
	// StaticDir, in development, serves static files from this folder on
	// disk instead of Routes.Static, so new and edited files show at once.
	StaticDir string
	// MaxActionBytes bounds an action's request body (default 10 MiB).
	MaxActionBytes int64
	// Logger receives the app's logs (default slog.Default()).
	Logger *slog.Logger
}

// App is a gox application: its routes, its cache and its HTTP handler.
type App struct {
	cfg      Config
	log      *slog.Logger
	engine   *isr.Engine
	router   *route.Router[*pageRoute]
	pages    []*pageRoute
	notFound *pageRoute // renders unmatched URLs
	echo     *echo.Echo
	host     string // of cached renders
	static   staticKeySets
	ryw      rywSigner
	assets   *assets.Bundle // nil without assets
	// devAssets bundles Config.AssetsDir per request in development.
	devAssets *assets.Builder
	// devStatic finds a static file on disk in development.
	devStatic func(path string) http.Handler
}

// New builds an App from a route table. It does not listen; see Handler
// and Run. Close releases the engine (not the store).
func New(routes Routes, cfg Config) (*App, error) {
	if cfg.Store == nil {
		return nil, errors.New("gox: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxActionBytes <= 0 {
		cfg.MaxActionBytes = 10 << 20
	}
	a := &App{cfg: cfg, log: cfg.Logger, router: route.NewRouter[*pageRoute](), host: "localhost", ryw: newRYWSigner()}
	if cfg.Origin != "" {
		a.host = strings.TrimPrefix(strings.TrimPrefix(cfg.Origin, "https://"), "http://")
	}
	if err := a.buildAssets(routes); err != nil {
		return nil, err
	}
	eopts := cfg.Engine
	eopts.Store, eopts.BuildID, eopts.Resolve, eopts.Logger = cfg.Store, cfg.BuildID, a.resolve, cfg.Logger
	if cs, ok := cfg.Store.(cache.CounterStore); ok && eopts.Observer == nil {
		eopts.Observer = isr.NewCounter(cs, isr.CounterOptions{Logger: cfg.Logger})
	}
	eng, err := isr.New(eopts)
	if err != nil {
		return nil, fmt.Errorf("gox: %w", err)
	}
	a.engine = eng
	for i := range routes.Pages {
		p := &routes.Pages[i]
		pr, err := a.newPageRoute(p)
		if err != nil {
			eng.Close()
			return nil, err
		}
		if err := a.router.Add(p.Pattern, pr); err != nil {
			eng.Close()
			return nil, fmt.Errorf("gox: route %s: %w", p.Pattern, err)
		}
		a.pages = append(a.pages, pr)
	}
	a.notFound = a.newNotFoundRoute(routes)
	if a.echo, err = a.newEcho(routes); err != nil {
		eng.Close()
		return nil, err
	}
	return a, nil
}

// newNotFoundRoute returns the page that answers unmatched URLs: the root
// not_found page, cached like any static page under a reserved key.
func (a *App) newNotFoundRoute(routes Routes) *pageRoute {
	nf := routes.NotFound
	if nf == nil {
		nf = defaultNotFound
	}
	p := &Page{
		Pattern: notFoundKey,
		Render:  func(*Ctx) (templ.Component, error) { return nil, NotFound },
		Layouts: routes.Layouts, NotFound: nf,
	}
	pr, _ := a.newPageRoute(p)
	return pr
}

// notFoundKey is the cache key of the app's not-found page; /_gox/ is
// reserved, so no page can have it.
const notFoundKey = "/_gox/not-found"

// Handler returns the app's HTTP handler.
func (a *App) Handler() http.Handler { return a.echo }

// Engine returns the app's ISR engine.
func (a *App) Engine() *isr.Engine { return a.engine }

// Close stops background regeneration and persists counters.
func (a *App) Close() error {
	if a.devAssets != nil {
		a.devAssets.Close()
	}
	return a.engine.Close()
}

// RevalidateTag marks the pages carrying tags stale; they regenerate in the
// background while visitors keep getting the old page.
func (a *App) RevalidateTag(ctx context.Context, tags ...string) (isr.Invalidation, error) {
	return a.engine.RevalidateTags(ctx, tags, cache.Stale)
}

// RevalidatePath marks the pages at paths stale. Paths are written as in
// links ("/products/1/" is the page at "/products/1"); a path no request
// could reach is an error.
func (a *App) RevalidatePath(ctx context.Context, paths ...string) (isr.Invalidation, error) {
	paths, err := canonicalPaths(paths)
	if err != nil {
		return isr.Invalidation{}, err
	}
	return a.engine.RevalidatePaths(ctx, paths, cache.Stale)
}

// ExpireTag makes the next request of the pages carrying tags wait for a
// fresh render.
func (a *App) ExpireTag(ctx context.Context, tags ...string) (isr.Invalidation, error) {
	return a.engine.RevalidateTags(ctx, tags, cache.Expire)
}

// ExpirePath makes the next request of the pages at paths wait for a fresh
// render. Paths are canonicalized as in RevalidatePath.
func (a *App) ExpirePath(ctx context.Context, paths ...string) (isr.Invalidation, error) {
	paths, err := canonicalPaths(paths)
	if err != nil {
		return isr.Invalidation{}, err
	}
	return a.engine.RevalidatePaths(ctx, paths, cache.Expire)
}

// renderTimeout bounds a dynamic render, which runs outside the engine.
const renderTimeout = 30 * time.Second
