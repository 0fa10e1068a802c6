package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/render"
)

// pageRoute is a Page prepared for serving.
type pageRoute struct {
	page   *page.Page
	job    isr.Job // Route and Render; Key set per request
	policy *httpcache.Policy
}

func (a *App) newPageRoute(p *page.Page) (*pageRoute, error) {
	if p.Render == nil {
		return nil, fmt.Errorf("gox: route %s has no Render", p.Pattern)
	}
	pr := &pageRoute{page: p}
	pr.job = isr.Job{Route: a.engine.Route(p.Pattern), Render: a.renderFunc(pr)}
	pr.policy = httpcache.NewPolicy(p.Revalidate)
	return pr, nil
}

// newNotFoundRoute returns the page that answers unmatched URLs: the root
// not_found page, cached like any static page under a reserved key.
func (a *App) newNotFoundRoute(routes page.Routes) *pageRoute {
	nf := routes.NotFound
	if nf == nil {
		nf = defaultNotFound
	}
	p := &page.Page{
		Pattern: notFoundKey,
		Render:  func(*page.Ctx) (templ.Component, error) { return nil, page.NotFound },
		Layouts: routes.Layouts, NotFound: nf,
	}
	pr, _ := a.newPageRoute(p)
	return pr
}

// notFoundKey is the cache key of the app's not-found page; /_gox/ is
// reserved, so no page can have it.
const notFoundKey = "/_gox/not-found"

// renderTimeout bounds a dynamic render, which runs outside the engine.
const renderTimeout = 30 * time.Second

var htmlHeader = http.Header{"Content-Type": {"text/html; charset=utf-8"}}

// renderFunc returns the function that renders a cache key of pr. It
// rebuilds the params and query from the key, so the render sees nothing
// but the key.
func (a *App) renderFunc(pr *pageRoute) func(context.Context, string) (isr.Result, error) {
	return func(ctx context.Context, key string) (isr.Result, error) {
		path, rawQuery, _ := strings.Cut(key, "?")
		var params page.Params
		if pr != a.notFound {
			_, params, _, _ = a.router.Match(path)
		}
		query, _ := url.ParseQuery(rawQuery)
		ctx = context.WithValue(ctx, appKey{}, a)
		req := (&http.Request{
			Method: http.MethodGet, Host: a.host, Header: http.Header{},
			URL: &url.URL{Path: path, RawQuery: rawQuery},
		}).WithContext(ctx)
		c := page.NewCtx(ctx, params, query, req)
		status, body, err := a.renderPage(c, pr)
		if err != nil {
			return isr.Result{}, err
		}
		var tags []string
		if pr.page.Tags != nil {
			tags = slices.Clone(pr.page.Tags(params))
		}
		tags = append(tags, page.Tags(c)...)
		slices.Sort(tags)
		return isr.Result{
			Status: status, Header: htmlHeader, Body: body,
			Tags: slices.Compact(tags), Revalidate: pr.page.Revalidate,
		}, nil
	}
}

// renderPage runs the page's Load and component inside its layouts. A
// NotFound result renders the nearest not-found page with status 404.
func (a *App) renderPage(c *page.Ctx, pr *pageRoute) (int, []byte, error) {
	p := pr.page
	comp, err := p.Render(c)
	status := http.StatusOK
	if errors.Is(err, page.NotFound) {
		status, err = http.StatusNotFound, nil
		comp = a.notFoundComponent(p)
	}
	if err != nil {
		return 0, nil, err
	}
	body, err := render.Page(c, comp, p.Layouts)
	if err != nil {
		return 0, nil, err
	}
	return status, body, nil
}

func (a *App) notFoundComponent(p *page.Page) templ.Component {
	if p.NotFound != nil {
		return p.NotFound()
	}
	if a.notFound != nil {
		return a.notFound.page.NotFound()
	}
	return defaultNotFound()
}

// resolve turns a cache key back into a job, for background regeneration.
func (a *App) resolve(key string) (isr.Job, bool) {
	path, _, _ := strings.Cut(key, "?")
	if path == notFoundKey {
		job := a.notFound.job
		job.Key = key
		return job, true
	}
	pr, _, _, ok := a.router.Match(path)
	if !ok || pr.page.Dynamic {
		return isr.Job{}, false
	}
	job := pr.job
	job.Key = key
	return job, true
}
