package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

// originConfig is what the action origin check accepts: the request's own
// origin, the canonical Origin (behind a proxy that does not forward the
// host, the only one the browser knows) and AllowedOrigins.
func (a *App) originConfig() action.OriginConfig {
	allowed := a.cfg.AllowedOrigins
	if a.cfg.Origin != "" {
		allowed = append(slices.Clip(allowed), a.cfg.Origin)
	}
	return action.OriginConfig{AllowedOrigins: allowed, TrustedProxies: a.cfg.TrustedProxies}
}

// serveAction runs POST <page>?/<name>.
func (a *App) serveAction(c echo.Context) error {
	r, w := c.Request(), c.Response()
	name, ok := action.Name(r.URL.RawQuery)
	if !ok {
		if r.URL.RawQuery == "" {
			w.Header().Set("Allow", "GET, HEAD")
			a.writeStatus(w, r, http.StatusMethodNotAllowed)
		} else {
			a.writeStatus(w, r, http.StatusNotFound)
		}
		return nil
	}
	path, redirect, err := route.Canonical(r.URL.EscapedPath())
	if err != nil || redirect != "" {
		a.writeStatus(w, r, http.StatusNotFound) // a redirect would drop the body
		return nil
	}
	pr, params, _, ok := a.router.Match(path)
	var fn page.Action
	if ok {
		fn = pr.page.Actions[name]
	}
	if fn != nil {
		// A path its page does not list is no page: its actions do not run.
		if ok, err = a.listed(r.Context(), pr, path); err != nil {
			c.SetPath(pr.page.Pattern)
			a.writeError(w, r, pr, err)
			return nil
		} else if !ok {
			fn = nil
		}
	}
	if fn == nil {
		a.writeStatus(w, r, http.StatusNotFound)
		return nil
	}
	c.SetPath(pr.page.Pattern) // names the request in the metrics
	if err := action.CheckOrigin(r, a.originConfig()); err != nil {
		a.log.Warn("action refused", "path", path, "action", name, "reason", err)
		a.writeStatus(w, r, http.StatusForbidden)
		return nil
	}
	if r.ContentLength > a.cfg.MaxActionBytes {
		a.writeStatus(w, r, http.StatusRequestEntityTooLarge)
		return nil
	}
	n := weight(r, a.cfg.MaxActionBytes)
	if !a.bodies.acquire(n) {
		if refused := a.bodies.noteRefused(); refused > 0 {
			a.log.Warn("actions refused: too many action bytes in flight", "refused", refused, "limit", a.bodies.limit)
		}
		a.refuseBusy(w, r)
		return nil
	}
	// Held until the answer is written: the form lives until then.
	defer a.bodies.release(n)
	form, err := action.ParseForm(w, r, a.cfg.MaxActionBytes)
	if err != nil {
		a.writeStatus(w, r, httperr.StatusCode(err))
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), appKey{}, a), a.cfg.RenderTimeout)
	defer cancel()
	ac := page.NewActionCtx(ctx, params, r, form)
	err = runAction(fn, ac)
	w.Header()["Cache-Control"] = httpcache.NoStore
	if at := page.LastWrite(ac); !at.IsZero() {
		paths, tags := page.Written(ac)
		http.SetCookie(w, a.rywCookie(r, at, paths, tags))
	}
	var ve *action.ValidationError
	he, _ := errors.AsType[*httperr.Error](err)
	switch {
	case err == nil:
		to := page.ActionRedirect(ac)
		if to == "" {
			to = (&url.URL{Path: path}).EscapedPath()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case errors.As(err, &ve):
		sub := &action.Submission{Action: name, Values: action.EchoValues(form), Errors: ve.Errors}
		uc := page.NewCtx(action.WithSubmission(ctx, sub), params, r.URL.Query(), r)
		_, body, rerr := a.renderSafe(uc, pr)
		if rerr != nil {
			a.writeError(w, r, pr, rerr)
			return nil
		}
		httpcache.WriteUncached(w, r, http.StatusUnprocessableEntity, body, "ACTION")
	case he != nil && he.Location != "":
		http.Redirect(w, r, he.Location, http.StatusSeeOther)
	default:
		a.writeError(w, r, pr, err)
	}
	return nil
}
