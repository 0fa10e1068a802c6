package server

import (
	_ "embed"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/draft"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/internal/httperr"
	"github.com/goxweb/gox/internal/wire"
)

// clientJS submits action forms in the background and swaps in the page
// the action redirects to; pages opt in with ClientScript.
//
//go:embed client.js
var clientJS []byte

// maxRevalidateBody bounds a revalidation request body.
const maxRevalidateBody = 1 << 20

// mountReserved wires the /_gox/ endpoints. The revalidation endpoint and
// draft mode exist only when their secrets are configured.
func (a *App) mountReserved(e router) {
	e.GET("/_gox/client.js", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", clientJS)
	})
	if a.cfg.RevalidateToken != "" {
		fails := revalidate.NewLimiter(0, 0, 0)
		e.POST(wire.RevalidatePath, func(c echo.Context) error { return a.serveRevalidate(c, fails) })
	}
	if a.cfg.DraftSecret != "" {
		dc := draft.Config{Secret: a.cfg.DraftSecret, Secure: a.secureRequest}
		e.GET("/_gox/draft", func(c echo.Context) error {
			return a.draftResult(c, draft.Enable(c.Response(), c.Request(), dc))
		})
		e.GET("/_gox/draft/disable", func(c echo.Context) error {
			return a.draftResult(c, draft.Disable(c.Response(), c.Request(), dc))
		})
	}
	e.Any("/_gox/*", func(c echo.Context) error {
		a.writeStatus(c.Response(), c.Request(), http.StatusNotFound)
		return nil
	})
}

func (a *App) draftResult(c echo.Context, err error) error {
	if de, ok := errors.AsType[*httperr.Error](err); ok {
		a.writeStatus(c.Response(), c.Request(), de.Code)
		return nil
	}
	return err
}

// serveRevalidate is POST /_gox/revalidate. A client that sent too many
// wrong tokens gets 429 before its token is even looked at; a path that no
// route serves is not stamped but listed as unmatched in the answer, so a
// typo is seen while the rest of the request still applies.
func (a *App) serveRevalidate(c echo.Context, fails *revalidate.Limiter) error {
	r, w := c.Request(), c.Response()
	client := a.clientAddr(r)
	if wait := fails.Wait(client); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(revalidate.RetryAfter(wait)))
		return a.jsonError(c, httperr.New(http.StatusTooManyRequests, "too many wrong tokens from this client; retry later"))
	}
	if err := revalidate.Authorize(r, a.cfg.RevalidateToken); err != nil {
		if httperr.StatusCode(err) == http.StatusUnauthorized {
			fails.Failed(client)
			a.log.Warn("revalidate: refused", "client", client, "err", err)
		}
		return a.jsonError(c, err)
	}
	req, err := revalidate.ParseBody(r, maxRevalidateBody)
	if err != nil {
		return a.jsonError(c, err)
	}
	mode := cache.Stale
	if req.Mode == wire.ModeExpire {
		mode = cache.Expire
	}
	var paths, unmatched []string
	for _, p := range req.Paths {
		if _, _, _, ok := a.router.Match(p); ok {
			paths = append(paths, p)
		} else {
			unmatched = append(unmatched, p)
		}
	}
	var inv isr.Invalidation
	if len(paths)+len(req.Tags) > 0 {
		if inv, err = a.engine.Revalidate(r.Context(), paths, req.Tags, mode); err != nil {
			return err
		}
	}
	resp := wire.RevalidateResponse{Paths: len(paths), Tags: len(req.Tags), Mode: req.Mode, Entries: inv.Entries, Unmatched: unmatched}
	a.log.Info("revalidated", "paths", resp.Paths, "tags", resp.Tags, "entries", resp.Entries, "mode", resp.Mode, "unmatched", len(unmatched))
	w.Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, resp)
}

func (a *App) jsonError(c echo.Context, err error) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(httperr.StatusCode(err), wire.RevalidateRefusal{Error: err.Error()})
}

// draftState returns "BYPASS" for a request in draft mode, else "".
func (a *App) draftState(r *http.Request) string {
	if a.cfg.DraftSecret != "" && draft.Active(r, draft.Config{Secret: a.cfg.DraftSecret}) {
		return "BYPASS"
	}
	return ""
}
