package server

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/page"
)

// robotsPath is where crawlers look for robots.txt, and for the sitemap's
// address in it.
const robotsPath = "/robots.txt"

var (
	robotsType    = []string{"text/plain; charset=utf-8"}
	robotsControl = []string{"public, max-age=0, s-maxage=3600"}
	// robotsDefault is what an app without a robots.txt of its own gets
	// besides the Sitemap line: what crawlers assume without one.
	robotsDefault = []byte("User-agent: *\nAllow: /\n")
)

// robotsHandler returns the handler of /robots.txt when gox generates the
// sitemap, or nil. A Sitemap line must hold an absolute URL, which only
// the deployment knows (GOX_ORIGIN), so it cannot be written in the file
// once for every environment: gox serves the app's static/robots.txt with
// the line "Sitemap: <origin>/sitemap.xml" added, unless the file has a
// Sitemap line of its own; an app without one gets one that allows every
// crawler and names the sitemap. A page or route.go at /robots.txt
// replaces it.
func (a *App) robotsHandler(routes page.Routes) (echo.HandlerFunc, error) {
	if a.sitemap == nil {
		return nil, nil
	}
	for _, p := range routes.Pages {
		if p.Pattern == robotsPath {
			return nil, nil
		}
	}
	for _, h := range routes.Handlers {
		if h.Pattern == robotsPath {
			return nil, nil
		}
	}
	body := func() ([]byte, error) {
		var fsys fs.FS = routes.Static
		if a.cfg.StaticDir != "" {
			fsys = os.DirFS(a.cfg.StaticDir)
		}
		return robotsWithSitemap(fsys, a.cfg.Origin+sitemapPath)
	}
	if a.cfg.StaticDir == "" {
		// Embedded files never change: read once.
		b, err := body()
		if err != nil {
			return nil, err
		}
		body = func() ([]byte, error) { return b, nil }
	}
	return func(c echo.Context) error {
		r, w := c.Request(), c.Response()
		b, err := body()
		if err != nil {
			return err
		}
		h := w.Header()
		httpcache.SetSecurityHeaders(h)
		h["Content-Type"], h["Cache-Control"] = robotsType, robotsControl
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(b)
		}
		return nil
	}, nil
}

// robotsWithSitemap returns fsys's robots.txt (or robotsDefault without
// one) with a Sitemap line for sitemap unless it has one.
func robotsWithSitemap(fsys fs.FS, sitemap string) ([]byte, error) {
	body := robotsDefault
	if fsys != nil {
		b, err := fs.ReadFile(fsys, "robots.txt")
		switch {
		case err == nil:
			body = b
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	for line := range bytes.Lines(body) {
		if name, _, ok := bytes.Cut(bytes.TrimSpace(line), []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("sitemap")) {
			return body, nil
		}
	}
	out := bytes.Clone(body)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, "\nSitemap: "+sitemap+"\n"...), nil
}
