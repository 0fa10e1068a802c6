package gox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/draft"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/revalidate"
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
func (a *App) mountReserved(e *echo.Echo) {
	e.GET("/_gox/client.js", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", clientJS)
	})
	if a.cfg.RevalidateToken != "" {
		e.POST("/_gox/revalidate", a.serveRevalidate)
	}
	if a.cfg.DraftSecret != "" {
		dc := draft.Config{Secret: a.cfg.DraftSecret}
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
	var de *draft.Error
	if errors.As(err, &de) {
		a.writeStatus(c.Response(), c.Request(), de.StatusCode())
		return nil
	}
	return err
}

// serveRevalidate is POST /_gox/revalidate.
func (a *App) serveRevalidate(c echo.Context) error {
	r, w := c.Request(), c.Response()
	if err := revalidate.Authorize(r, a.cfg.RevalidateToken); err != nil {
		return a.jsonError(c, err)
	}
	req, err := revalidate.ParseBody(r, maxRevalidateBody)
	if err != nil {
		return a.jsonError(c, err)
	}
	mode := cache.Stale
	if req.Mode == "expire" {
		mode = cache.Expire
	}
	both, err := a.coveredTwice(r.Context(), req)
	if err != nil {
		return err
	}
	var byTag, byPath isr.Invalidation
	if len(req.Tags) > 0 {
		if byTag, err = a.engine.RevalidateTags(r.Context(), req.Tags, mode); err != nil {
			return err
		}
	}
	if len(req.Paths) > 0 {
		if byPath, err = a.engine.RevalidatePaths(r.Context(), req.Paths, mode); err != nil {
			return err
		}
	}
	resp := revalidate.Response{Paths: len(req.Paths), Tags: len(req.Tags), Mode: req.Mode,
		// Renders landing between the count and the invalidation can skew
		// the difference; a count is never negative.
		Entries: max(byTag.Entries+byPath.Entries-both, 0)}
	a.log.Info("revalidated", "paths", resp.Paths, "tags", resp.Tags, "entries", resp.Entries, "mode", resp.Mode)
	w.Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, resp)
}

// coveredTwice counts the cached entries that both a path and a tag of req
// cover, so that the answer counts each entry once. Paths have few entries
// each, so this reads little even when a tag covers thousands.
func (a *App) coveredTwice(ctx context.Context, req revalidate.Request) (int, error) {
	if len(req.Tags) == 0 || len(req.Paths) == 0 {
		return 0, nil
	}
	want := make(map[string]bool, len(req.Tags))
	for _, t := range req.Tags {
		want[t] = true
	}
	tagged := func(tags []string) bool {
		return slices.ContainsFunc(tags, func(t string) bool { return want[t] })
	}
	n := 0
	for _, p := range req.Paths {
		// The key p itself sorts first among the keys starting with p.
		exact, err := a.cfg.Store.List(ctx, cache.Filter{Prefix: p, Limit: 1})
		if err != nil {
			return 0, fmt.Errorf("revalidate: %w", err)
		}
		queried, err := a.cfg.Store.List(ctx, cache.Filter{Prefix: p + "?"})
		if err != nil {
			return 0, fmt.Errorf("revalidate: %w", err)
		}
		for _, in := range exact {
			if in.Key == p && tagged(in.Tags) {
				n++
			}
		}
		for _, in := range queried {
			if tagged(in.Tags) {
				n++
			}
		}
	}
	return n, nil
}

func (a *App) jsonError(c echo.Context, err error) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(revalidate.StatusCode(err), map[string]string{"error": err.Error()})
}

// draftState returns "BYPASS" for a request in draft mode, else "".
func (a *App) draftState(r *http.Request) string {
	if a.cfg.DraftSecret != "" && draft.Active(r, draft.Config{Secret: a.cfg.DraftSecret}) {
		return "BYPASS"
	}
	return ""
}
