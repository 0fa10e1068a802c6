package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/internal/httperr"
)

// newEcho wires the app's endpoints: reserved /_gox/ endpoints, assets,
// static files, plain handlers, and pages for everything else.
func (a *App) newEcho(routes page.Routes) (*echo.Echo, error) {
	ec := echo.New()
	ec.HideBanner, ec.HidePort = true, true
	e := router{e: ec, outer: a.recoverPanics}
	ec.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code := http.StatusInternalServerError
		if he, ok := err.(*echo.HTTPError); ok {
			code = he.Code
		} else if code = httperr.StatusCode(err); code >= 500 {
			// A 4xx (gox.NotFound, a bad request) is an answer, not a failure.
			a.log.Error("handler failed", "path", logPath(c.Request().URL.Path), "err", err)
		}
		a.writeStatus(c.Response(), c.Request(), code)
	}
	withApp := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), appKey{}, a)))
			return next(c)
		}
	}
	if err := a.mountAssets(e); err != nil {
		return nil, err
	}
	a.mountAdmin(e)
	a.mountReserved(e)
	robots, err := a.robotsHandler(routes)
	if err != nil {
		return nil, fmt.Errorf("gox: robots.txt: %w", err)
	}
	if robots != nil {
		e.GET(robotsPath, robots)
		e.HEAD(robotsPath, robots)
	}
	if a.cfg.StaticDir != "" {
		// Development: look each request up on disk, so new files show.
		a.devStatic = &devStatic{fsys: os.DirFS(a.cfg.StaticDir)}
	} else if routes.Static != nil {
		files, err := assets.Static(routes.Static)
		if err != nil {
			return nil, fmt.Errorf("gox: static files: %w", err)
		}
		for p, h := range files {
			if p == robotsPath && robots != nil {
				continue // served with its Sitemap line
			}
			e.GET(p, echo.WrapHandler(h))
			e.HEAD(p, echo.WrapHandler(h))
		}
	}
	if err := a.mountHandlers(e, routes.Handlers, withApp); err != nil {
		return nil, err
	}
	e.Any("/*", a.servePage)
	e.Any("/", a.servePage)
	return ec, nil
}

// echoPattern turns "/api/items/{id}" into echo's "/api/items/:id" and a
// catch-all "{path...}" into "*".
func echoPattern(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}") {
			segs[i] = "*"
		} else if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(segs, "/")
}

// measure counts the response of c in the app's metrics by its route
// (the page's pattern, which servePage sets as the path, or the
// handler's), X-Gox-Cache state, status and bytes. It allocates nothing.
func (a *App) measure(c echo.Context) {
	res := c.Response()
	a.metrics.Response(c.Path(), res.Header()["X-Gox-Cache"], res.Status, res.Size)
}
