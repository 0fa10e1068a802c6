package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
	"github.com/goxweb/gox/internal/wire"
)

// SitemapTag is the tag of every sitemap gox generates: revalidating it
// (gox.RevalidateTag) regenerates /sitemap.xml and its numbered parts at
// once, say after an action added a product, rather than within the hour.
const SitemapTag = "gox-sitemap"

// Limits of one sitemap file, from the sitemaps protocol; past either,
// /sitemap.xml becomes a sitemap index of numbered sitemaps.
const (
	sitemapMaxURLs  = 50_000
	sitemapMaxBytes = 50 << 20
)

const (
	sitemapPath = "/sitemap.xml"
	// sitemapPartKeys is the pattern of the numbered sitemaps' cache keys:
	// /sitemap-2.xml is cached under /_gox/sitemap/2, which no page can
	// have, so no route of the app can conflict with it.
	sitemapPartKeys = "/_gox/sitemap/{n}"
	// sitemapRevalidate: a sitemap is regenerated hourly (and on a new
	// build, like every page), so new StaticParams show within the hour.
	sitemapRevalidate = time.Hour
)

var sitemapHeader = http.Header{"Content-Type": {"application/xml; charset=utf-8"}}

// sitemap is the generated /sitemap.xml: an ISR entry, as are the
// numbered sitemaps it lists once it is an index.
type sitemap struct {
	index, part *isr.Route
	policy      *httpcache.Policy
	// maxURLs and maxBytes bound one sitemap file (tests lower them).
	maxURLs, maxBytes int
	// files is how many sitemap files the last walk to the end found (1:
	// all URLs fit in /sitemap.xml, which numbers no parts), 0 until one
	// did. A numbered sitemap past it is not found without a walk, so
	// requests for parts that do not exist cost no StaticParams calls.
	files atomic.Int64
}

// setFiles records the number of sitemap files a walk to the end found.
func (sm *sitemap) setFiles(n int) { sm.files.Store(int64(max(n, 1))) }

// indexFiles returns the number of sitemap files an index body lists: 1
// when it is a sitemap of URLs rather than an index.
func indexFiles(body []byte) int {
	if !bytes.HasPrefix(body, []byte(sitemapIndexOpen)) {
		return 1
	}
	return bytes.Count(body, []byte("<sitemap><loc>"))
}

// newSitemap sets up the generated sitemap when the app has an origin
// (a sitemap lists absolute URLs) and no sitemap of its own: a
// static/sitemap.xml or a route at /sitemap.xml.
func (a *App) newSitemap(routes page.Routes) error {
	if a.ownsPath(routes, sitemapPath) {
		return nil
	}
	if a.cfg.Origin == "" {
		if !a.cfg.Dev && len(routes.Pages) > 0 {
			a.log.Info("no /sitemap.xml: set " + wire.EnvOrigin + " to the site's origin (https://example.com) to serve one")
		}
		return nil
	}
	sm := &sitemap{policy: httpcache.NewPolicy(sitemapRevalidate, a.cfg.CDNKeys), maxURLs: sitemapMaxURLs, maxBytes: sitemapMaxBytes}
	var err error
	if sm.index, err = a.engine.Register(sitemapPath, a.sitemapRender(sm)); err != nil {
		return fmt.Errorf("gox: sitemap: %w", err)
	}
	if sm.part, err = a.engine.Register(sitemapPartKeys, a.sitemapRender(sm)); err != nil {
		return fmt.Errorf("gox: sitemap: %w", err)
	}
	a.sitemap = sm
	return nil
}

// ownsPath reports whether the app serves path itself: a file of its
// static/ folder, a page or a route.go.
func (a *App) ownsPath(routes page.Routes, path string) bool {
	for _, p := range routes.Pages {
		if p.Pattern == path {
			return true
		}
	}
	for _, h := range routes.Handlers {
		if h.Pattern == path {
			return true
		}
	}
	return a.hasStatic(routes, strings.TrimPrefix(path, "/"))
}

// hasStatic reports whether the app's static/ folder holds the file name:
// on disk in development (Config.StaticDir), else embedded.
func (a *App) hasStatic(routes page.Routes, name string) bool {
	if a.cfg.StaticDir != "" {
		fi, err := os.Stat(filepath.Join(a.cfg.StaticDir, name))
		return err == nil && fi.Mode().IsRegular()
	}
	if routes.Static == nil {
		return false
	}
	fi, err := fs.Stat(routes.Static, name)
	return err == nil && fi.Mode().IsRegular()
}

// sitemapJob returns the engine's job for a canonical path that is the
// generated sitemap or one of its numbered parts (/sitemap-2.xml).
func (a *App) sitemapJob(path string) (isr.Job, bool) {
	sm := a.sitemap
	if sm == nil {
		return isr.Job{}, false
	}
	if path == sitemapPath {
		return isr.Job{Route: sm.index, Key: sitemapPath}, true
	}
	n, ok := sitemapPart(path)
	if !ok {
		return isr.Job{}, false
	}
	s := strconv.Itoa(n)
	return isr.Job{Route: sm.part, Key: route.Key("/_gox/sitemap/" + s), Params: map[string]string{"n": s}}, true
}

// sitemapPart returns n of "/sitemap-<n>.xml", spelled without leading
// zeros and at most the number of sitemaps an index may list.
func sitemapPart(path string) (int, bool) {
	s, ok := strings.CutPrefix(path, "/sitemap-")
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, ".xml"); !ok || s == "" || len(s) > 5 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > sitemapMaxURLs {
		return 0, false
	}
	return n, true
}

// serveSitemap answers a GET or HEAD of a generated sitemap from the
// engine, and one of a numbered sitemap that does not exist with the
// app's not-found page.
func (a *App) serveSitemap(c echo.Context, job isr.Job) {
	w, r := c.Response(), c.Request()
	job.NotBefore, job.Writes = a.rywNotBefore(r)
	if a.cfg.Dev {
		// Development shows every page as it is now: so the sitemap.
		job.NotBefore, job.Writes = time.Now(), nil
	}
	if job.Route == a.sitemap.part && !a.cfg.Dev {
		exists, err := a.sitemapHasPart(r.Context(), job.Params["n"])
		if err != nil {
			a.writeSitemapError(w, r, err)
			return
		}
		if !exists {
			c.SetPath(string(notFoundKey))
			a.serveCached(w, r, a.notFound, notFoundKey, nil)
			return
		}
	}
	ent, state, err := a.engine.Serve(r.Context(), job)
	if err != nil {
		a.writeSitemapError(w, r, err)
		return
	}
	a.sitemap.policy.Write(w, r, ent, stateHeader[state])
}

func (a *App) writeSitemapError(w http.ResponseWriter, r *http.Request, err error) {
	code := httperr.StatusCode(err)
	if code < 400 {
		code = http.StatusInternalServerError
	}
	a.writeStatus(w, r, code)
}

// sitemapHasPart reports whether the numbered sitemap n exists, as the
// index lists them. Until a walk has counted the files, the index is
// served first: rendered, which counts them, or read from the store, whose
// body lists them.
func (a *App) sitemapHasPart(ctx context.Context, n string) (bool, error) {
	sm := a.sitemap
	files := sm.files.Load()
	if files == 0 {
		ent, _, err := a.engine.Serve(ctx, isr.Job{Route: sm.index, Key: sitemapPath})
		if err != nil {
			return false, err
		}
		sm.files.CompareAndSwap(0, int64(indexFiles(ent.Body)))
		files = sm.files.Load()
	}
	part, _ := strconv.Atoi(n)
	return files > 1 && int64(part) <= files, nil
}

// sitemapRender renders the index key (/sitemap.xml: every URL, or the
// index of the numbered sitemaps when they do not fit in one file) and
// the numbered parts. A render walks the pages' StaticParams once at
// most and keeps one file's bytes, whatever the number of URLs.
func (a *App) sitemapRender(sm *sitemap) isr.Render {
	return func(ctx context.Context, key route.Key, params map[string]string) (isr.Result, error) {
		part := 0
		if key != sitemapPath {
			part, _ = strconv.Atoi(params["n"])
		}
		var body bytes.Buffer
		body.WriteString(urlsetOpen)
		w := &sitemapWriter{sm: sm, buf: &body, want: max(part, 1), origin: xmlEscape(a.cfg.Origin)}
		err := a.eachSitemapPath(ctx, func(escaped string) error {
			w.add(escaped)
			if part > 0 && w.parts > part {
				return errPartDone
			}
			return nil
		})
		if err != nil && !errors.Is(err, errPartDone) {
			return isr.Result{}, err
		}
		if err == nil {
			sm.setFiles(w.parts)
		}
		res := isr.Result{Status: http.StatusOK, Header: sitemapHeader, Tags: []string{SitemapTag}, Revalidate: sitemapRevalidate}
		switch {
		case part == 0 && w.parts > 1:
			body.Reset()
			body.WriteString(sitemapIndexOpen)
			for i := 1; i <= min(w.parts, sitemapMaxURLs); i++ {
				body.WriteString("<sitemap><loc>" + w.origin + "/sitemap-" + strconv.Itoa(i) + ".xml</loc></sitemap>\n")
			}
			body.WriteString("</sitemapindex>\n")
		case part > 0 && (w.parts < 2 || part > w.parts):
			// No such part: the sitemap fits in /sitemap.xml, or has fewer.
			res.Status = http.StatusNotFound
			body.Reset()
			body.WriteString(xml.Header + "<error>no such sitemap</error>\n")
		default:
			body.WriteString(urlsetClose)
		}
		res.Body = body.Bytes()
		return res, nil
	}
}

// errPartDone stops the walk of a numbered sitemap's render past its URLs.
var errPartDone = errors.New("sitemap part written")

// The bytes of a sitemap file around its entries, and of an entry around
// its URL.
const (
	urlsetOpen       = xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n"
	sitemapIndexOpen = xml.Header + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n"
	urlsetClose      = "</urlset>\n"
	urlOpen          = "<url><loc>"
	urlClose         = "</loc></url>\n"
)

// sitemapWriter splits the URLs into sitemap files, as an index lists
// them, and writes those of file want. Only those are formatted: for the
// others it counts their length.
type sitemapWriter struct {
	sm     *sitemap
	buf    *bytes.Buffer
	origin string // XML-escaped
	want   int    // the file whose URLs are written, from 1
	parts  int    // files so far
	urls   int    // URLs in the last file
	bytes  int    // their bytes, with the file's opening and closing tags
}

// add places the URL of the escaped path.
func (w *sitemapWriter) add(escaped string) {
	loc := xmlEscape(escaped)
	n := len(urlOpen) + len(w.origin) + len(loc) + len(urlClose)
	if w.parts == 0 || w.urls == w.sm.maxURLs || w.bytes+n > w.sm.maxBytes {
		w.parts++
		w.urls, w.bytes = 0, len(urlsetOpen)+len(urlsetClose)
	}
	w.urls++
	w.bytes += n
	if w.parts == w.want {
		w.buf.WriteString(urlOpen)
		w.buf.WriteString(w.origin)
		w.buf.WriteString(loc)
		w.buf.WriteString(urlClose)
	}
}

// xmlEscape escapes s as XML text. An escaped URL path holds no character
// XML escapes but '&', so most paths come back as they are, unallocated.
func xmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>'\"\t\n\r") && isASCII(s) {
		return s
	}
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// eachSitemapPath calls fn with the escaped canonical path of every page
// a search engine should index, in route table order: each cached page
// without parameters and each StaticParams path, except pages whose Head
// value or layouts' Head values say NoIndex. A Head function's NoIndex is
// known only by rendering the page: it writes the robots tag, and the page
// stays listed.
func (a *App) eachSitemapPath(ctx context.Context, fn func(escaped string) error) error {
	for _, pr := range a.pages {
		p := pr.page
		if p.Dynamic || noIndex(p) {
			continue
		}
		n := 0
		err := eachPagePath(ctx, p, func(path string) error {
			if n++; n%1000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			escaped := (&url.URL{Path: path}).EscapedPath()
			_, redirect, err := route.Canonical(escaped)
			if err != nil {
				return nil // no request reaches it: not a page
			}
			if redirect != "" {
				escaped = redirect
			}
			return fn(escaped)
		})
		if err != nil {
			return fmt.Errorf("sitemap: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// noIndex reports whether p's Head value, or one of its layouts', asks
// search engines not to index it.
func noIndex(p *page.Page) bool {
	if p.Head.NoIndex {
		return true
	}
	for _, h := range p.LayoutHeads {
		if h.NoIndex {
			return true
		}
	}
	return false
}
