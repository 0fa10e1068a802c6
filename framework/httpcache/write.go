package httpcache

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Header values shared by every response; never appended to.
var (
	varyEncoding = []string{"Accept-Encoding"}
	encBrotli    = []string{"br"}
	encGzip      = []string{"gzip"}
	htmlType     = []string{"text/html; charset=utf-8"}
	// NoStore is the Cache-Control of everything rendered for one visitor:
	// actions, draft pages, dynamic pages, errors.
	NoStore = []string{"private, no-store"}
	// securityHeaders go on every page, whether rendered now or cached.
	securityHeaders = http.Header{
		"X-Content-Type-Options": {"nosniff"},
		"Referrer-Policy":        {"strict-origin-when-cross-origin"},
		"X-Frame-Options":        {"SAMEORIGIN"},
	}
)

// Policy is how one route's cached responses describe themselves to
// browsers and CDNs. Make it once per route with NewPolicy; it is read-only
// afterwards and safe for concurrent use.
type Policy struct {
	cacheControl []string // of a cached 200
}

// NewPolicy returns the policy of a route whose pages stay fresh for
// revalidate (0: until revalidated on demand). CDNs may keep a page that
// long and serve it stale while it regenerates; browsers always
// revalidate, so an on-demand revalidation reaches them at once.
func NewPolicy(revalidate time.Duration) *Policy {
	cc := "public, max-age=0, s-maxage=31536000"
	if revalidate > 0 {
		s := int64(revalidate / time.Second)
		cc = "public, max-age=0, s-maxage=" + strconv.FormatInt(max(s, 1), 10) + ", stale-while-revalidate=31536000"
	}
	return &Policy{cacheControl: []string{cc}}
}

// Write answers r with the cached entry e: its stored headers, the
// security headers, X-Gox-Cache: state, Age, and the body in the best
// encoding the client accepts; or 304 when r's If-None-Match has e's ETag.
// This is the one place a cached response's headers are made: CDN purge
// keys derived from e.Tags belong here too.
func (p *Policy) Write(w http.ResponseWriter, r *http.Request, e *cache.Entry, state []string) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	for k, v := range securityHeaders {
		h[k] = v
	}
	h["X-Gox-Cache"] = state
	h["Vary"] = varyEncoding
	if e.Status == http.StatusOK {
		h["Cache-Control"] = p.cacheControl
	} else {
		h["Cache-Control"] = notFoundControl(e)
	}
	if age := time.Since(e.GeneratedAt); age >= time.Second {
		h["Age"] = []string{strconv.FormatInt(int64(age/time.Second), 10)}
	}
	if e.Status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), e.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := e.Body
	if ae := r.Header.Get("Accept-Encoding"); ae != "" {
		switch {
		case e.Brotli != nil && acceptsEncoding(ae, "br"):
			body, h["Content-Encoding"] = e.Brotli, encBrotli
		case e.Gzip != nil && acceptsEncoding(ae, "gzip"):
			body, h["Content-Encoding"] = e.Gzip, encGzip
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// notFoundControl lets CDNs keep a cached 404 only as long as it stays
// fresh here, so that a page created meanwhile is not hidden by a CDN's
// copy for longer.
func notFoundControl(e *cache.Entry) []string {
	s := int64(e.FreshUntil.Sub(e.GeneratedAt) / time.Second)
	return []string{"public, max-age=0, s-maxage=" + strconv.FormatInt(max(s, 1), 10)}
}

// WriteUncached answers r with an HTML page rendered for this request
// alone (a dynamic, draft or development page, an action's 422, an error):
// never stored by anyone, security headers as on a cached page.
func WriteUncached(w http.ResponseWriter, r *http.Request, status int, body []byte, state string) {
	h := w.Header()
	for k, v := range securityHeaders {
		h[k] = v
	}
	h["Content-Type"] = htmlType
	h["Cache-Control"] = NoStore
	h.Set("X-Gox-Cache", state)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
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
