package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

// handlerRoute is a route.go GET handler whose responses the ISR engine
// caches.
type handlerRoute struct {
	h      *page.Handler
	names  []string                     // echo's parameter names, in pattern order
	params []string                     // the route's, in the same order
	match  *route.Router[*handlerRoute] // this pattern alone: the params of a path
	isr    *isr.Route
	policy *httpcache.Policy
}

// mountHandlers adds the route.go handlers to e: each with the security
// headers pages get (set before it runs, so it may change one), each GET
// answering HEAD too unless route.go has its own, and a cached GET through
// the ISR engine.
func (a *App) mountHandlers(e router, handlers []page.Handler, withApp echo.MiddlewareFunc) error {
	hasHead := map[string]bool{}
	for _, h := range handlers {
		if h.Method == http.MethodHead {
			hasHead[h.Pattern] = true
		}
	}
	secure := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			httpcache.SetSecurityHeaders(c.Response().Header())
			return next(c)
		}
	}
	for i := range handlers {
		h := &handlers[i]
		fn := h.Func
		if h.Cached {
			if h.Method != http.MethodGet {
				return fmt.Errorf("gox: handler %s %s: only GET responses are cached", h.Method, h.Pattern)
			}
			hr, err := a.newHandlerRoute(h)
			if err != nil {
				return err
			}
			fn = func(c echo.Context) error { return a.serveHandler(c, hr) }
		}
		fn = namedFor(h.Pattern, fn)
		pattern := echoPattern(h.Pattern)
		e.Add(h.Method, pattern, fn, secure, withApp)
		if h.Method == http.MethodGet && !hasHead[h.Pattern] {
			// net/http sends no body in answer to HEAD.
			e.Add(http.MethodHead, pattern, fn, secure, withApp)
		}
	}
	return nil
}

// namedFor names the requests fn answers by pattern in the metrics, as
// the engine names the handler's renders, rather than by echo's form of
// it (":id" for "{id}").
func namedFor(pattern string, fn echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.SetPath(pattern)
		return fn(c)
	}
}

func (a *App) newHandlerRoute(h *page.Handler) (*handlerRoute, error) {
	p, err := route.Parse(h.Pattern)
	if err != nil {
		return nil, fmt.Errorf("gox: handler %s: %w", h.Pattern, err)
	}
	hr := &handlerRoute{h: h, match: route.NewRouter[*handlerRoute](), policy: httpcache.NewPolicy(h.Revalidate, a.cfg.CDNKeys)}
	for _, s := range p.Segments {
		switch s.Kind {
		case route.Param:
			hr.names, hr.params = append(hr.names, s.Value), append(hr.params, s.Value)
		case route.CatchAll:
			hr.names, hr.params = append(hr.names, "*"), append(hr.params, s.Value)
		}
	}
	if err := hr.match.Add(h.Pattern, hr); err != nil {
		return nil, fmt.Errorf("gox: handler %s: %w", h.Pattern, err)
	}
	if hr.isr, err = a.engine.Register(h.Pattern, a.handlerRender(hr)); err != nil {
		return nil, fmt.Errorf("gox: handler %s: %w", h.Pattern, err)
	}
	return hr, nil
}

// serveHandler answers a GET or HEAD of a cached handler from the engine,
// keyed like a page: the canonical path and the allowlisted query.
func (a *App) serveHandler(c echo.Context, hr *handlerRoute) error {
	r, w := c.Request(), c.Response()
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
	_, params, _, ok := hr.match.Match(path)
	if !ok {
		a.writeStatus(w, r, http.StatusNotFound)
		return nil
	}
	if state := a.handlerBypass(r); state != "" {
		// Development and draft mode: the handler sees this request, and
		// nothing is kept.
		w.Header()["Cache-Control"] = httpcache.NoStore
		w.Header().Set("X-Gox-Cache", state)
		return hr.h.Func(c)
	}
	key := route.Key(path)
	if len(hr.h.Query) > 0 && r.URL.RawQuery != "" {
		if key, err = route.NewKey(path, r.URL.Query(), hr.h.Query); err != nil {
			a.writeStatus(w, r, httperr.StatusCode(err))
			return nil
		}
	}
	job := isr.Job{Route: hr.isr, Key: key, Params: params}
	job.NotBefore, job.Writes = a.rywNotBefore(r)
	ent, state, err := a.engine.Serve(r.Context(), job)
	if err != nil {
		a.writeHandlerError(w, r, err)
		return nil
	}
	hr.policy.Write(w, r, ent, stateHeader[state])
	return nil
}

// handlerBypass returns the X-Gox-Cache state of a request that must not
// use the cache, or "".
func (a *App) handlerBypass(r *http.Request) string {
	if a.cfg.Dev {
		return "DEV"
	}
	return a.draftState(r)
}

// uncachedState is the X-Gox-Cache of a cached handler's response that
// could not be stored (a redirect, a 400, an empty body): it goes to the
// request that rendered it, and, while the key backs off, to those after.
var uncachedState = []string{"UNCACHED"}

// writeHandlerError answers a cached handler's render that stored
// nothing: with the response the handler gave when it gave one that is
// not storable, else with the failure's status.
func (a *App) writeHandlerError(w http.ResponseWriter, r *http.Request, err error) {
	if resp, ok := errors.AsType[*handlerResponse](err); ok {
		h := w.Header()
		for k, v := range resp.header {
			h[k] = v
		}
		h["Cache-Control"] = httpcache.NoStore
		h["X-Gox-Cache"] = uncachedState
		w.WriteHeader(resp.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(resp.body)
		}
		return
	}
	a.writeStatus(w, r, a.failureStatus(w, r, err, "handler render failed"))
}

// handlerResponse is a cached handler's response that may not be stored:
// any status but 200 and 404, or an empty body. It is the render's error,
// so the engine stores nothing, and the request that rendered it gets it
// as the handler gave it.
type handlerResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r *handlerResponse) Error() string {
	if r.status == http.StatusOK {
		return "handler answered 200 with an empty body"
	}
	return fmt.Sprintf("handler answered %d", r.status)
}

// handlerRender returns the function that renders a cache key of a cached
// handler: the handler runs against a GET built from the key alone (its
// path, params and allowlisted query; no header, no cookie, the site's
// host), and its response is recorded.
func (a *App) handlerRender(hr *handlerRoute) isr.Render {
	return func(ctx context.Context, key route.Key, params map[string]string) (isr.Result, error) {
		ctx = context.WithValue(ctx, appKey{}, a)
		req := (&http.Request{
			Method: http.MethodGet, Host: a.host, Header: http.Header{},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			URL: &url.URL{Path: key.Path(), RawQuery: key.RawQuery()}, RequestURI: key.Path(),
		}).WithContext(ctx)
		if q := key.RawQuery(); q != "" {
			req.RequestURI += "?" + q
		}
		rec := &recorder{header: http.Header{}}
		c := a.echo.NewContext(req, rec)
		c.SetPath(echoPattern(hr.h.Pattern))
		values := make([]string, len(hr.params))
		for i, name := range hr.params {
			values[i] = params[name]
		}
		c.SetParamNames(hr.names...)
		c.SetParamValues(values...)
		httpcache.SetSecurityHeaders(c.Response().Header())
		if err := hr.h.Func(c); err != nil {
			if c.Response().Committed {
				return isr.Result{}, fmt.Errorf("handler: %w", err)
			}
			// What echo would have answered to a request: the same page
			// an uncached handler's error gets.
			a.echo.HTTPErrorHandler(err, c)
		}
		return hr.result(rec, params)
	}
}

// result turns a recorded response into what the engine stores, or an
// error when it may not be stored.
func (hr *handlerRoute) result(rec *recorder, params map[string]string) (isr.Result, error) {
	status, body := rec.status, rec.body.Bytes()
	if status == 0 {
		status = http.StatusOK
	}
	header := rec.sent
	if header == nil {
		header = rec.header.Clone()
	}
	for _, k := range []string{"Cache-Control", "Content-Length", "Etag", "Vary", "Age", "Date", "X-Gox-Cache", "Transfer-Encoding", "Connection"} {
		delete(header, k)
	}
	if len(header.Values("Set-Cookie")) > 0 {
		return isr.Result{}, fmt.Errorf("cached handler %s set a cookie: a cached response is shared by every visitor; set cookies from an uncached handler (without Revalidate and Tags)", hr.h.Pattern)
	}
	if header.Get("Content-Encoding") != "" {
		return isr.Result{}, fmt.Errorf("cached handler %s encoded its response (%s): gox compresses cached responses itself; remove the compression", hr.h.Pattern, header.Get("Content-Encoding"))
	}
	if (status != http.StatusOK && status != http.StatusNotFound) || len(body) == 0 {
		return isr.Result{}, &handlerResponse{status: status, header: header, body: bytes.Clone(body)}
	}
	if header.Get("Content-Type") == "" {
		// What net/http would have sent.
		header.Set("Content-Type", http.DetectContentType(body))
	}
	var tags []string
	if hr.h.Tags != nil {
		tags = slices.Clone(hr.h.Tags(params))
		slices.Sort(tags)
		tags = slices.Compact(tags)
	}
	return isr.Result{Status: status, Header: header, Body: body, Tags: tags, Revalidate: hr.h.Revalidate}, nil
}

// recorder captures a cached handler's response: its status, the header
// as it was when the status was written, and its body.
type recorder struct {
	header http.Header
	sent   http.Header // header at WriteHeader
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status, r.sent = code, r.header.Clone()
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

// Flush lets a handler flush (echo's Response.Flush panics on a writer
// that cannot); the body is whole when the handler returns all the same.
func (r *recorder) Flush() {}
