package server

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/wire"
)

// Prerender renders every cacheable page without parameters and every
// StaticParams entry into the cache, with at most workers renders at once
// (0: two per CPU). progress, if not nil, is called after each page, with
// how far the run is, from one goroutine at a time. The first failure stops
// it and is returned with the page's path, as next build does.
func (a *App) Prerender(ctx context.Context, workers int, progress func(wire.Prerendered)) ([]wire.Prerendered, error) {
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	type todo struct {
		pr   *pageRoute
		path string
	}
	var list []todo
	for _, pr := range a.pages {
		if pr.page.Dynamic {
			continue
		}
		paths, err := pagePaths(ctx, pr.page)
		if err != nil {
			return nil, fmt.Errorf("prerender: %w", err)
		}
		for _, p := range paths {
			list = append(list, todo{pr, p})
		}
	}
	list = append(list, todo{a.notFound, string(notFoundKey)})
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
			if err != nil {
				return fmt.Errorf("prerender %s: %w", t.path, err)
			}
			out[i] = wire.Prerendered{Route: t.pr.page.Pattern, Path: t.path, Status: ent.Status, Bytes: len(ent.Body)}
			mu.Lock()
			done++
			out[i].Done, out[i].Total = done, len(list)
			if progress != nil {
				progress(out[i])
			}
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	// The pages are in the cache when Prerender returns, not on their way.
	a.engine.WaitWrites()
	if err != nil {
		return nil, err
	}
	return out, nil
}
