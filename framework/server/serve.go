package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/render"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

// stateHeader holds the X-Gox-Cache values of cached responses, shared
// and never appended to.
var stateHeader = map[isr.State][]string{
	isr.Hit: {"HIT"}, isr.Stale: {"STALE"}, isr.Miss: {"MISS"}, isr.Expired: {"EXPIRED"},
	isr.ReadYourWrites: {"RYW"},
}

// revalidated is the X-Gox-Cache of a page rendered for x-prerender-revalidate.
var revalidated = []string{"REVALIDATED"}

// servePage answers every URL that is not a handler, an asset or a
// reserved /_gox/ endpoint.
func (a *App) servePage(c echo.Context) error {
	r, w := c.Request(), c.Response()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if a.devStatic != nil {
			if h := a.devStatic.handler(r.URL.Path); h != nil {
				h.ServeHTTP(w, r)
				return nil
			}
		}
	case http.MethodPost:
		return a.serveAction(c)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		a.writeStatus(w, r, http.StatusMethodNotAllowed)
		return nil
	}
	path, redirect, err := route.Canonical(r.URL.EscapedPath())
	if err != nil {
		a.writeStatus(w, r, httperr.StatusCode(err))
		return nil
	}
	if redirect != "" {
		if r.URL.RawQuery != "" {
			redirect += "?" + r.URL.RawQuery
		}
		return c.Redirect(http.StatusPermanentRedirect, redirect)
	}
	if job, ok := a.sitemapJob(path); ok {
		a.serveSitemap(c, job)
		return nil
	}
	pr, params, _, ok := a.router.Match(path)
	if ok {
		if ok, err = a.listed(r.Context(), pr, path); err != nil {
			c.SetPath(pr.page.Pattern)
			a.writeError(w, r, pr, err)
			return nil
		}
	}
	if !ok {
		c.SetPath(string(notFoundKey))
		a.serveCached(w, r, a.notFound, notFoundKey, nil)
		return nil
	}
	// The route's pattern names the request in the metrics.
	c.SetPath(pr.page.Pattern)
	if state := a.bypass(r, pr); state != "" {
		a.serveUncached(w, r, pr, params, state)
		return nil
	}
	key := route.Key(path)
	if len(pr.page.Query) > 0 && r.URL.RawQuery != "" {
		if key, err = route.NewKey(path, r.URL.Query(), pr.page.Query); err != nil {
			a.writeStatus(w, r, httperr.StatusCode(err))
			return nil
		}
	}
	if a.cfg.RevalidateToken != "" && r.Header.Get(revalidate.PrerenderHeader) != "" {
		a.servePrerender(w, r, pr, key, params)
		return nil
	}
	a.serveCached(w, r, pr, key, params)
	return nil
}

// servePrerender answers a Vercel-style revalidation: GET or HEAD of a page
// with x-prerender-revalidate: <token> renders it now and returns it.
func (a *App) servePrerender(w http.ResponseWriter, r *http.Request, pr *pageRoute, key route.Key, params page.Params) {
	if err := revalidate.AuthorizePrerender(r, a.cfg.RevalidateToken); err != nil {
		a.writeStatus(w, r, httperr.StatusCode(err))
		return
	}
	ent, err := a.engine.Refresh(r.Context(), pr.job(key, params))
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	pr.policy.Write(w, r, ent, revalidated)
}

// bypass returns the X-Gox-Cache state of a request that must not use the
// cache, or "".
func (a *App) bypass(r *http.Request, pr *pageRoute) string {
	switch {
	case pr.page.Dynamic:
		return "DYNAMIC"
	case a.cfg.Dev:
		return "DEV"
	}
	return a.draftState(r)
}

// serveCached answers key of pr through the ISR engine.
func (a *App) serveCached(w http.ResponseWriter, r *http.Request, pr *pageRoute, key route.Key, params page.Params) {
	job := pr.job(key, params)
	job.NotBefore, job.Writes = a.rywNotBefore(r)
	ent, state, err := a.engine.Serve(r.Context(), job)
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	pr.policy.Write(w, r, ent, stateHeader[state])
}

// serveUncached renders pr for this request alone: dynamic pages, dev mode
// and draft mode. The render sees the whole request.
func (a *App) serveUncached(w http.ResponseWriter, r *http.Request, pr *pageRoute, params page.Params, state string) {
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), appKey{}, a), a.cfg.RenderTimeout)
	defer cancel()
	c := page.NewCtx(ctx, params, r.URL.Query(), r)
	status, body, err := a.renderSafe(c, pr)
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	httpcache.WriteUncached(w, r, status, body, state)
}

// failureStatus returns the status that answers a render that failed
// with err, and logs it as msg when it is the server's fault.
func (a *App) failureStatus(w http.ResponseWriter, r *http.Request, err error, msg string) int {
	code := httperr.StatusCode(err)
	switch {
	case errors.Is(err, isr.ErrClosed):
		// Shutting down with no page to give: another instance can answer.
		code = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, errStaticParams):
		w.Header().Set("Retry-After", "1")
		return code // logged by the call that failed, not per request
	case code < 400:
		code = http.StatusInternalServerError
	}
	if code >= 500 && !errors.Is(err, isr.ErrBackoff) {
		// A render backing off failed before and was logged then: once per
		// try, not once per request.
		a.log.Error(msg, "path", logPath(r.URL.Path), "err", err)
	}
	return code
}

// writeError answers a render that failed with no last good page: a
// redirect, or the nearest error page, never cached; in development a
// failure (5xx) gets the development error page instead.
func (a *App) writeError(w http.ResponseWriter, r *http.Request, pr *pageRoute, err error) {
	if re, ok := errors.AsType[*httperr.Error](err); ok && re.Location != "" {
		w.Header()["Cache-Control"] = httpcache.NoStore
		http.Redirect(w, r, re.Location, re.Code)
		return
	}
	code := a.failureStatus(w, r, err, "render failed")
	if a.cfg.Dev && code >= 500 {
		a.writeDevError(w, r, code, err)
		return
	}
	if pr.page.Error == nil {
		a.writeStatus(w, r, code)
		return
	}
	body, rerr := render.Page(r.Context(), pr.page.Error(err), pr.page.Layouts)
	if rerr != nil {
		a.log.Error("error page failed", "path", logPath(r.URL.Path), "err", rerr)
		a.writeStatus(w, r, code)
		return
	}
	httpcache.WriteUncached(w, r, code, body, "ERROR")
}

// writeStatus answers with a minimal page for code.
func (a *App) writeStatus(w http.ResponseWriter, r *http.Request, code int) {
	body, _ := render.Page(r.Context(), statusPage(code, http.StatusText(code)), nil)
	httpcache.WriteUncached(w, r, code, body, "ERROR")
}

// listed reports whether path, which pr matches, is a page: always, unless
// pr has only static params and path is not one of them. It fails (with
// an errStaticParams) when pr's StaticParams does.
func (a *App) listed(ctx context.Context, pr *pageRoute, path string) (bool, error) {
	if !pr.page.OnlyStaticParams {
		return true, nil
	}
	keys, err := a.staticKeys(ctx, pr)
	if err != nil {
		return false, err
	}
	return keys[path], nil
}
