package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/render"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

// Header values shared by every response; never appended to.
var (
	stateHeader = map[isr.State][]string{
		isr.Hit: {"HIT"}, isr.Stale: {"STALE"}, isr.Miss: {"MISS"}, isr.Expired: {"EXPIRED"},
	}
	varyEncoding = []string{"Accept-Encoding"}
	encBrotli    = []string{"br"}
	encGzip      = []string{"gzip"}
	noStore      = []string{"private, no-store"}
	// securityHeaders go on every page, whether rendered now or cached.
	securityHeaders = http.Header{
		"X-Content-Type-Options": {"nosniff"},
		"Referrer-Policy":        {"strict-origin-when-cross-origin"},
		"X-Frame-Options":        {"SAMEORIGIN"},
	}
)

// servePage answers every URL that is not a handler, an asset or a
// reserved /_gox/ endpoint.
func (a *App) servePage(c echo.Context) error {
	r, w := c.Request(), c.Response()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if a.devStatic != nil {
			if h := a.devStatic(r.URL.Path); h != nil {
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
	pr, params, _, ok := a.router.Match(path)
	if !ok || (pr.page.OnlyStaticParams && !a.isStaticKey(r.Context(), pr, path)) {
		a.serveCached(w, r, a.notFound, notFoundKey)
		return nil
	}
	if state := a.bypass(r, pr); state != "" {
		a.serveUncached(w, r, pr, params, state)
		return nil
	}
	key := path
	if len(pr.page.Query) > 0 && r.URL.RawQuery != "" {
		key = route.Key(path, r.URL.Query(), pr.page.Query)
		if err := route.CheckKey(key); err != nil {
			a.writeStatus(w, r, httperr.StatusCode(err))
			return nil
		}
	}
	if a.cfg.RevalidateToken != "" && r.Header.Get(revalidate.PrerenderHeader) != "" {
		a.servePrerender(w, r, pr, key)
		return nil
	}
	a.serveCached(w, r, pr, key)
	return nil
}

// servePrerender answers a Vercel-style revalidation: GET or HEAD of a page
// with x-prerender-revalidate: <token> renders it now and returns it.
func (a *App) servePrerender(w http.ResponseWriter, r *http.Request, pr *pageRoute, key string) {
	if err := revalidate.AuthorizePrerender(r, a.cfg.RevalidateToken); err != nil {
		a.writeStatus(w, r, httperr.StatusCode(err))
		return
	}
	job := pr.job
	job.Key = key
	ent, err := a.engine.Regenerate(r.Context(), job)
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	a.writeEntry(w, r, pr, ent, "REVALIDATED")
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
func (a *App) serveCached(w http.ResponseWriter, r *http.Request, pr *pageRoute, key string) {
	job := pr.job
	job.Key = key
	job.NotBefore = a.rywNotBefore(r)
	ent, state, err := a.engine.Serve(r.Context(), job)
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	a.writeEntry(w, r, pr, ent, state)
}

// writeEntry writes a cached entry: its stored headers and the body in the
// best encoding the client accepts, or 304.
func (a *App) writeEntry(w http.ResponseWriter, r *http.Request, pr *pageRoute, ent *cache.Entry, state isr.State) {
	h := w.Header()
	for k, v := range ent.Header {
		h[k] = v
	}
	for k, v := range securityHeaders {
		h[k] = v
	}
	if v, ok := stateHeader[state]; ok {
		h["X-Gox-Cache"] = v
	} else {
		h["X-Gox-Cache"] = []string{string(state)}
	}
	h["Vary"] = varyEncoding
	if ent.Status == http.StatusOK {
		h["Cache-Control"] = pr.cacheControl
	} else {
		h["Cache-Control"] = notFoundControl(ent)
	}
	if age := time.Since(ent.GeneratedAt); age >= time.Second {
		h["Age"] = []string{strconv.FormatInt(int64(age/time.Second), 10)}
	}
	if ent.Status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), ent.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := ent.Body
	if ae := r.Header.Get("Accept-Encoding"); ae != "" {
		switch {
		case ent.Brotli != nil && acceptsEncoding(ae, "br"):
			body, h["Content-Encoding"] = ent.Brotli, encBrotli
		case ent.Gzip != nil && acceptsEncoding(ae, "gzip"):
			body, h["Content-Encoding"] = ent.Gzip, encGzip
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(ent.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// notFoundControl lets CDNs keep a cached 404 only as long as it stays
// fresh here (isr.Options.NotFoundRevalidate), so that a page created
// meanwhile is not hidden by a CDN's copy for longer.
func notFoundControl(ent *cache.Entry) []string {
	s := int64(ent.FreshUntil.Sub(ent.GeneratedAt) / time.Second)
	return []string{"public, max-age=0, s-maxage=" + strconv.FormatInt(max(s, 1), 10)}
}

// serveUncached renders pr for this request alone: dynamic pages, dev mode
// and draft mode. The render sees the whole request.
func (a *App) serveUncached(w http.ResponseWriter, r *http.Request, pr *pageRoute, params page.Params, state string) {
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), appKey{}, a), renderTimeout)
	defer cancel()
	c := page.NewCtx(ctx, params, r.URL.Query(), r)
	status, body, err := a.renderPage(c, pr)
	if err != nil {
		a.writeError(w, r, pr, err)
		return
	}
	a.writeHTML(w, r, status, body, state)
}

// writeHTML writes an uncached page.
func (a *App) writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte, state string) {
	h := w.Header()
	for k, v := range securityHeaders {
		h[k] = v
	}
	h["Content-Type"] = htmlHeader["Content-Type"]
	h["Cache-Control"] = noStore
	h.Set("X-Gox-Cache", state)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// writeError answers a render that failed with no last good page: a
// redirect, or the nearest error page, never cached.
func (a *App) writeError(w http.ResponseWriter, r *http.Request, pr *pageRoute, err error) {
	if re, ok := errors.AsType[*httperr.Error](err); ok && re.Location != "" {
		w.Header()["Cache-Control"] = noStore
		http.Redirect(w, r, re.Location, re.Code)
		return
	}
	code := httperr.StatusCode(err)
	if code < 400 {
		code = http.StatusInternalServerError
	}
	if code >= 500 {
		a.log.Error("render failed", "path", r.URL.Path, "err", err)
	}
	if pr.page.Error == nil {
		a.writeStatus(w, r, code)
		return
	}
	body, rerr := render.Page(r.Context(), pr.page.Error(err), pr.page.Layouts)
	if rerr != nil {
		a.log.Error("error page failed", "path", r.URL.Path, "err", rerr)
		a.writeStatus(w, r, code)
		return
	}
	a.writeHTML(w, r, code, body, "ERROR")
}

// writeStatus answers with a minimal page for code.
func (a *App) writeStatus(w http.ResponseWriter, r *http.Request, code int) {
	body, _ := render.Page(r.Context(), statusPage(code, http.StatusText(code)), nil)
	a.writeHTML(w, r, code, body, "ERROR")
}

// isStaticKey reports whether path is one of pr's StaticParams, for pages
// with DynamicParams = false.
func (a *App) isStaticKey(ctx context.Context, pr *pageRoute, path string) bool {
	keys, err := a.staticKeys(ctx, pr)
	if err != nil {
		a.log.Error("static params failed", "route", pr.page.Pattern, "err", err)
		return false
	}
	return keys[path]
}

// acceptsEncoding reports whether the Accept-Encoding value ae accepts enc
// (present, and not with q=0).
func acceptsEncoding(ae, enc string) bool {
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
	}
	return false
}

// etagMatch reports whether the If-None-Match value inm matches etag.
func etagMatch(inm, etag string) bool {
	if inm == "" {
		return false
	}
	for inm != "" {
		var t string
		t, inm, _ = strings.Cut(inm, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
