package server

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/goxweb/gox/framework/page"
)

// staticKeySets caches each route's StaticParams as a set of paths.
type staticKeySets struct {
	mu   sync.Mutex
	sets map[*pageRoute]map[string]bool
}

// staticKeys returns the paths of pr's StaticParams, computed once; a
// failure is retried on the next call.
func (a *App) staticKeys(ctx context.Context, pr *pageRoute) (map[string]bool, error) {
	a.static.mu.Lock()
	defer a.static.mu.Unlock()
	if set, ok := a.static.sets[pr]; ok {
		return set, nil
	}
	paths, err := pagePaths(ctx, pr.page)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		set[p] = true
	}
	if a.static.sets == nil {
		a.static.sets = map[*pageRoute]map[string]bool{}
	}
	a.static.sets[pr] = set
	return set, nil
}

// pagePaths returns the paths a page prerenders: its pattern when it has
// no parameters, else one per StaticParams entry.
func pagePaths(ctx context.Context, p *page.Page) ([]string, error) {
	var paths []string
	err := eachPagePath(ctx, p, func(path string) error {
		paths = append(paths, path)
		return nil
	})
	return paths, err
}

// eachPagePath calls fn with each path pagePaths returns, one at a time,
// so a caller that needs them once (the sitemap) holds none of them.
func eachPagePath(ctx context.Context, p *page.Page, fn func(path string) error) error {
	if !strings.Contains(p.Pattern, "{") {
		return fn(p.Pattern)
	}
	if p.StaticParams == nil {
		return nil
	}
	list, err := p.StaticParams(ctx)
	if err != nil {
		return fmt.Errorf("static params %s: %w", p.Pattern, err)
	}
	for _, params := range list {
		path, err := fillPattern(p.Pattern, params)
		if err != nil {
			return err
		}
		if err := fn(path); err != nil {
			return err
		}
	}
	return nil
}

// fillPattern returns the (decoded) path of pattern with params filled in.
func fillPattern(pattern string, params page.Params) (string, error) {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		name := strings.TrimSuffix(strings.Trim(s, "{}"), "...")
		v := params[name]
		catchAll := strings.HasSuffix(s, "...}")
		if v == "" || (!catchAll && strings.Contains(v, "/")) {
			return "", fmt.Errorf("static params %s: param %q is %q; want a non-empty value%s",
				pattern, name, v, map[bool]string{false: " without '/'", true: ""}[catchAll])
		}
		segs[i] = strings.Trim(v, "/")
	}
	return strings.Join(segs, "/"), nil
}
