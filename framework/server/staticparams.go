package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/internal/httperr"
)

// staticRetry is how long a route whose StaticParams failed answers 503
// before StaticParams runs again (App.staticRetry): a data source that is down is not asked
// once per request.
const staticRetry = time.Second

// errStaticParams answers a request for a page with only static params
// whose StaticParams failed: the list is unknown, so the path is neither
// served nor called missing (a cached 404 would outlive the outage).
var errStaticParams = httperr.New(http.StatusServiceUnavailable, "static params unavailable")

// staticKeySet is one route's StaticParams as a set of paths: computed
// once, by one call at a time, and retried at most once per staticRetry
// while it fails.
type staticKeySet struct {
	flight singleflight.Group
	mu     sync.Mutex
	set    map[string]bool // nil until a call succeeds
	err    error           // of the last failed call
	retry  time.Time       // when StaticParams may run again after err
}

// state returns the set, or the last failure while it is not yet due for
// a retry, or neither when StaticParams should run.
func (s *staticKeySet) state() (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil {
		return s.set, nil
	}
	if s.err != nil && time.Now().Before(s.retry) {
		return nil, errStaticParams.Wrap(s.err)
	}
	return nil, nil
}

// staticKeys returns the paths of pr's StaticParams. A failure is an
// errStaticParams, logged once per call of StaticParams, not per request.
// A caller whose ctx ends stops waiting; the call runs on for the others.
func (a *App) staticKeys(ctx context.Context, pr *pageRoute) (map[string]bool, error) {
	s := &pr.static
	if set, err := s.state(); set != nil || err != nil {
		return set, err
	}
	ch := s.flight.DoChan("", func() (any, error) {
		// A call that ended since state was read may have settled it.
		if set, err := s.state(); set != nil || err != nil {
			return set, err
		}
		// Not the request's context: its client leaving would fail the
		// call for every request sharing it.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.RenderTimeout)
		defer cancel()
		paths, err := pagePaths(cctx, pr.page)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			a.log.Error("static params failed", "route", pr.page.Pattern, "err", err, "retry", a.staticRetry)
			s.err, s.retry = err, time.Now().Add(a.staticRetry)
			return nil, errStaticParams.Wrap(err)
		}
		set := make(map[string]bool, len(paths))
		for _, p := range paths {
			set[p] = true
		}
		s.set, s.err = set, nil
		return set, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(map[string]bool), nil
	case <-ctx.Done():
		return nil, errStaticParams.Wrap(ctx.Err())
	}
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
