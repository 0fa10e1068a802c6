package server

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/wire"
)

// Prerender renders every cacheable page without parameters and every
// StaticParams entry into the cache, with at most workers renders at once
// (0: two per CPU). progress, if not nil, is called after each page, with
// how far the run is, from one goroutine at a time; a page that failed is
// reported with its Error set. The first failure stops it and is returned
// with the page's path, as next build does.
func (a *App) Prerender(ctx context.Context, workers int, progress func(wire.Prerendered)) ([]wire.Prerendered, error) {
	return a.prerender(ctx, workers, false, progress)
}

// PrerenderKeepGoing is Prerender that goes on past failures: every page
// that can be rendered is, and each failure (a page, or a route whose
// StaticParams failed) is reported to progress and returned with its
// Error set. Those pages render on their first request instead.
func (a *App) PrerenderKeepGoing(ctx context.Context, workers int, progress func(wire.Prerendered)) ([]wire.Prerendered, error) {
	return a.prerender(ctx, workers, true, progress)
}

func (a *App) prerender(ctx context.Context, workers int, keepGoing bool, progress func(wire.Prerendered)) ([]wire.Prerendered, error) {
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	if progress == nil {
		progress = func(wire.Prerendered) {}
	}
	type pending struct {
		pr   *pageRoute
		path string
	}
	var list []pending
	var failed []wire.Prerendered // routes whose StaticParams failed
	for _, pr := range a.pages {
		if pr.page.Dynamic {
			continue
		}
		paths, err := pagePaths(ctx, pr.page)
		if err != nil {
			f := wire.Prerendered{Route: pr.page.Pattern, Error: bounded(err.Error())}
			progress(f)
			if !keepGoing {
				return nil, fmt.Errorf("prerender: %w", err)
			}
			failed = append(failed, f)
			continue
		}
		for _, p := range paths {
			// A path another route serves (StaticParams of /products/{id}
			// listing "new" beside a page at /products/new) would store this
			// route's render under that page's key.
			if served, _, _, ok := a.router.Match(p); !ok || served != pr {
				a.log.Warn("prerender: a StaticParams path this route does not serve; skipped", "route", pr.page.Pattern, "path", logPath(p))
				continue
			}
			list = append(list, pending{pr, p})
		}
	}
	list = append(list, pending{a.notFound, string(notFoundKey)})
	out := make([]wire.Prerendered, len(list))
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, t := range list {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			var params page.Params
			if t.pr != a.notFound {
				_, params, _, _ = a.router.Match(t.path)
			}
			ent, err := a.engine.Regenerate(gctx, t.pr.job(route.Key(t.path), params))
			p := wire.Prerendered{Route: t.pr.page.Pattern, Path: t.path}
			if err != nil {
				p.Error = bounded(renderError(err, t.path))
			} else {
				p.Status, p.Bytes = ent.Status, len(ent.Body)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !keepGoing && gctx.Err() != nil {
				return err // another page failed first: this one was cut short
			}
			done++
			p.Done, p.Total = done, len(list)
			out[i] = p
			progress(p)
			if err != nil && !keepGoing {
				return fmt.Errorf("prerender %s: %w", t.path, err)
			}
			return nil
		})
	}
	err := g.Wait()
	// The pages are in the cache when Prerender returns, not on their way.
	a.engine.WaitWrites()
	if err != nil {
		return nil, err
	}
	return append(failed, out...), nil
}

// renderError is a failed render's own message, without the engine's
// "isr render PATH:" the caller already says.
func renderError(err error, path string) string {
	if inner := errors.Unwrap(err); inner != nil && strings.HasPrefix(err.Error(), "isr render "+path+": ") {
		return inner.Error()
	}
	return err.Error()
}

// bounded cuts msg to wire.MaxPrerenderError bytes, on a rune boundary.
func bounded(msg string) string {
	if len(msg) <= wire.MaxPrerenderError {
		return msg
	}
	return strings.ToValidUTF8(msg[:wire.MaxPrerenderError-len("…")], "") + "…"
}
