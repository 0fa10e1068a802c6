package gox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/route"
)

// FormErrors are validation messages by form field; return Invalid(errs)
// from an action to show them.
type FormErrors = action.FormErrors

// Invalid returns the error an action returns when the form is wrong: the
// page is rendered again, uncached, with status 422, and its components can
// read the messages (FieldError) and what was submitted (SubmittedValue).
func Invalid(errs FormErrors) error { return &action.ValidationError{Errors: errs} }

// actionState is what an action's Ctx carries besides a render's.
type actionState struct {
	form     url.Values
	redirect string
	wrote    time.Time // when the action last revalidated something
}

// FormValue returns the first value of a posted form field.
func (c *Ctx) FormValue(name string) string {
	if c.action == nil {
		return ""
	}
	return c.action.form.Get(name)
}

// Form returns the posted form.
func (c *Ctx) Form() url.Values {
	if c.action == nil {
		return nil
	}
	return c.action.form
}

// Redirect makes a successful action answer with a 303 to url instead of
// the page it was posted to.
func (c *Ctx) Redirect(url string) {
	if c.action != nil {
		c.action.redirect = url
	}
}

// RevalidateTag marks the pages carrying tags stale (see gox.RevalidateTag).
// In an action, the browser that posted it then sees its own write: its
// next page loads wait for renders newer than the write.
func (c *Ctx) RevalidateTag(tags ...string) error {
	at := time.Now()
	_, err := c.app.RevalidateTag(c.ctx, tags...)
	c.wrote(at, err)
	return err
}

// RevalidatePath marks the pages at paths stale.
func (c *Ctx) RevalidatePath(paths ...string) error {
	at := time.Now()
	_, err := c.app.RevalidatePath(c.ctx, paths...)
	c.wrote(at, err)
	return err
}

// ExpireTag makes the next request of the pages carrying tags wait for a
// fresh render.
func (c *Ctx) ExpireTag(tags ...string) error {
	at := time.Now()
	_, err := c.app.ExpireTag(c.ctx, tags...)
	c.wrote(at, err)
	return err
}

// ExpirePath makes the next request of the pages at paths wait for a fresh
// render.
func (c *Ctx) ExpirePath(paths ...string) error {
	at := time.Now()
	_, err := c.app.ExpirePath(c.ctx, paths...)
	c.wrote(at, err)
	return err
}

// wrote remembers a revalidation that started at at. The time is taken
// before the call, not after: the regeneration the call queues may start
// before it returns, and the acting browser must accept that render rather
// than wait for another.
func (c *Ctx) wrote(at time.Time, err error) {
	if err == nil && c.action != nil {
		c.action.wrote = at
	}
}

// ActionURL returns the form action URL of the page's action name, for
// <form method="post" action={ gox.ActionURL(ctx, "add-to-cart") }>.
func ActionURL(_ context.Context, name string) templ.SafeURL { return templ.SafeURL(action.URL(name)) }

// FieldError returns the validation message for field after a 422, or "".
func FieldError(ctx context.Context, field string) string {
	if s := action.SubmissionFrom(ctx); s != nil {
		return s.Errors.Get(field)
	}
	return ""
}

// SubmittedValue returns what the user submitted for field after a 422,
// or def when the page is not a re-render.
func SubmittedValue(ctx context.Context, field, def string) string {
	if s := action.SubmissionFrom(ctx); s != nil {
		return s.Value(field)
	}
	return def
}

// ClientScript is the optional script that submits action forms in the
// background and swaps in the new page without a full navigation. Put it
// in a layout's <head>.
func ClientScript() templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<script src="/_gox/client.js" defer></script>`)
		return err
	})
}

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
	fn := Action(nil)
	if ok {
		fn = pr.page.Actions[name]
	}
	if fn == nil {
		a.writeStatus(w, r, http.StatusNotFound)
		return nil
	}
	if err := action.CheckOrigin(r, a.originConfig()); err != nil {
		a.log.Warn("action refused", "path", path, "action", name, "reason", err)
		a.writeStatus(w, r, http.StatusForbidden)
		return nil
	}
	form, err := action.ParseForm(w, r, a.cfg.MaxActionBytes)
	if err != nil {
		a.writeStatus(w, r, action.StatusCode(err))
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), renderTimeout)
	defer cancel()
	st := &actionState{form: form}
	ac := &Ctx{ctx: ctx, params: params, query: r.URL.Query(), req: r, app: a, action: st}
	err = fn(ac)
	w.Header()["Cache-Control"] = noStore
	if !st.wrote.IsZero() {
		http.SetCookie(w, a.ryw.cookie(st.wrote, r.TLS != nil))
	}
	var ve *action.ValidationError
	var re *RedirectError
	switch {
	case err == nil:
		to := st.redirect
		if to == "" {
			to = (&url.URL{Path: path}).EscapedPath()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case errors.As(err, &ve):
		sub := &action.Submission{Action: name, Values: form, Errors: ve.Errors}
		uc := &Ctx{ctx: action.WithSubmission(ctx, sub), params: params, query: r.URL.Query(), req: r, app: a}
		_, body, rerr := a.renderPage(uc, pr)
		if rerr != nil {
			a.writeError(w, r, pr, rerr)
			return nil
		}
		a.writeHTML(w, r, http.StatusUnprocessableEntity, body, "ACTION")
	case errors.As(err, &re):
		http.Redirect(w, r, re.URL, http.StatusSeeOther)
	default:
		a.writeError(w, r, pr, err)
	}
	return nil
}
