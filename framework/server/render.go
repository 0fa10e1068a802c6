package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/head"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/render"
	"github.com/goxweb/gox/framework/route"
)

// pageRoute is a Page prepared for serving.
type pageRoute struct {
	page   *page.Page
	isr    *isr.Route // nil for a dynamic page, which is never cached
	policy *httpcache.Policy
	static staticKeySet // for OnlyStaticParams
}

func (a *App) newPageRoute(p *page.Page) (*pageRoute, error) {
	if p.Render == nil {
		return nil, fmt.Errorf("gox: route %s has no Render", p.Pattern)
	}
	pr := &pageRoute{page: p}
	if !p.Dynamic {
		r, err := a.engine.Register(p.Pattern, a.renderFunc(pr))
		if err != nil {
			return nil, fmt.Errorf("gox: route %s: %w", p.Pattern, err)
		}
		pr.isr = r
	}
	pr.policy = httpcache.NewPolicy(p.Revalidate, a.cfg.CDNKeys)
	return pr, nil
}

// newNotFoundRoute returns the page that answers unmatched URLs: the root
// not_found page, cached like any static page under a reserved key.
func (a *App) newNotFoundRoute(routes page.Routes) (*pageRoute, error) {
	nf := routes.NotFound
	if nf == nil {
		nf = defaultNotFound
	}
	p := &page.Page{
		Pattern: string(notFoundKey),
		Render:  func(*page.Ctx) (templ.Component, error) { return nil, page.NotFound },
		Layouts: routes.Layouts, LayoutHeads: routes.LayoutHeads, LayoutTags: routes.LayoutTags, NotFound: nf,
	}
	return a.newPageRoute(p)
}

// notFoundKey is the cache key of the app's not-found page; /_gox/ is
// reserved, so no page can have it.
const notFoundKey route.Key = "/_gox/not-found"

// job returns the engine's job for key of pr, whose path has params.
func (pr *pageRoute) job(key route.Key, params page.Params) isr.Job {
	return isr.Job{Route: pr.isr, Key: key, Params: params}
}

var htmlHeader = http.Header{"Content-Type": {"text/html; charset=utf-8"}}

// renderFunc returns the function that renders a cache key of pr. The
// render sees the key's params and query and a request built from them,
// nothing of any visitor's.
func (a *App) renderFunc(pr *pageRoute) isr.Render {
	return func(ctx context.Context, key route.Key, params map[string]string) (isr.Result, error) {
		ctx = context.WithValue(ctx, appKey{}, a)
		req := (&http.Request{
			Method: http.MethodGet, Host: a.host, Header: http.Header{},
			URL: &url.URL{Path: key.Path(), RawQuery: key.RawQuery()},
		}).WithContext(ctx)
		c := page.NewCtx(ctx, params, key.Query(), req)
		status, body, err := a.renderPage(c, pr)
		if err != nil {
			return isr.Result{}, err
		}
		var tags []string
		if pr.page.Tags != nil {
			tags = slices.Clone(pr.page.Tags(params))
		}
		for _, lt := range pr.page.LayoutTags {
			tags = append(tags, lt(params)...)
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
	page.SetHead(c, a.head(c, p, status))
	body, err := render.Page(c, comp, p.Layouts)
	if err != nil {
		return 0, nil, err
	}
	return status, body, nil
}

// head merges the head of the page c renders with its layouts' and
// resolves it against the site's origin: the canonical URL is the page's
// cache key (path and allowlisted query), whoever asked. A not-found page
// has no canonical URL.
func (a *App) head(c *page.Ctx, p *page.Page, status int) page.Head {
	h := head.Merge(append(slices.Clip(p.LayoutHeads), p.Head, page.PageHead(c))...)
	if a.cfg.Origin == "" || status != http.StatusOK {
		return h
	}
	u := c.Request().URL
	canon := u.EscapedPath()
	if key, err := route.NewKey(u.Path, u.Query(), p.Query); err == nil {
		canon = (&url.URL{Path: key.Path(), RawQuery: key.RawQuery()}).String()
	}
	return head.Resolve(h, a.cfg.Origin, canon)
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
