package httpcache

import (
	"net/http"
	"slices"
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
	// stateStale is the X-Gox-Cache value of a page served stale.
	stateStale = "STALE"
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
	keys         CDNKeys
}

// staleControl is the Cache-Control of a page served STALE: known to be
// old and regenerating, it may stay in a CDN for a second only. Otherwise
// a CDN that refetches it right after a purge (or after its own copy went
// stale) would keep the old page for another whole period, and a purge
// that reached the CDN before the regeneration ended would be lost.
var staleControl = []string{"public, max-age=0, s-maxage=1, stale-while-revalidate=31536000"}

// staleNotFoundControl is the Cache-Control of another status served
// STALE (a cached 404): a second in a CDN, and no serving it stale there.
var staleNotFoundControl = []string{"public, max-age=0, s-maxage=1"}

// withVaryEncoding returns the Vary values vary (set by middleware in
// front, or stored by a cached handler) with Accept-Encoding among them.
// It allocates only when vary names something else.
func withVaryEncoding(vary []string) []string {
	if len(vary) == 0 {
		return varyEncoding
	}
	for _, v := range vary {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, "Accept-Encoding") {
				return vary
			}
		}
	}
	return append(slices.Clip(vary), varyEncoding...)
}

// NewPolicy returns the policy of a route whose pages stay fresh for
// revalidate (0: until revalidated on demand). CDNs may keep a page that
// long and serve it stale while it regenerates; browsers always
// revalidate, so an on-demand revalidation reaches them at once. keys
// says which purge-key headers its pages carry.
func NewPolicy(revalidate time.Duration, keys CDNKeys) *Policy {
	cc := "public, max-age=0, s-maxage=31536000"
	if revalidate > 0 {
		s := int64(revalidate / time.Second)
		cc = "public, max-age=0, s-maxage=" + strconv.FormatInt(max(s, 1), 10) + ", stale-while-revalidate=31536000"
	}
	return &Policy{cacheControl: []string{cc}, keys: keys}
}

// Write answers r with the cached entry e: the security headers, its
// stored headers (which may override one: a cached handler's response
// keeps the X-Frame-Options it set), the purge-key headers the policy
// sends, X-Gox-Cache: state, Age, and the body in the best encoding the
// client accepts with that encoding's ETag; or 304 when r's If-None-Match
// holds the ETag of the representation it would get. This is the one
// place a cached response's headers are made.
func (p *Policy) Write(w http.ResponseWriter, r *http.Request, e *cache.Entry, state []string) {
	h := w.Header()
	SetSecurityHeaders(h)
	for k, v := range e.Header {
		h[k] = v
	}
	p.writeKeys(h, e)
	h["X-Gox-Cache"] = state
	h["Vary"] = withVaryEncoding(h["Vary"])
	stale := len(state) == 1 && state[0] == stateStale
	switch {
	case e.Status == http.StatusOK && stale:
		h["Cache-Control"] = staleControl
	case stale:
		// A stale 404 is not regenerated ahead of its next request: a CDN
		// that refetched it after a purge would otherwise keep it.
		h["Cache-Control"] = staleNotFoundControl
	case e.Status == http.StatusOK:
		h["Cache-Control"] = p.cacheControl
	default:
		h["Cache-Control"] = notFoundControl(e)
	}
	if age := time.Since(e.GeneratedAt); age >= time.Second {
		h["Age"] = []string{strconv.FormatInt(int64(age/time.Second), 10)}
	}
	body, c := e.Body, negotiate(r.Header["Accept-Encoding"], e.Gzip != nil, e.Brotli != nil)
	switch c {
	case brotliCoding:
		body, h["Content-Encoding"] = e.Brotli, encBrotli
	case gzipCoding:
		body, h["Content-Encoding"] = e.Gzip, encGzip
	}
	if tag := variantTag(e, c); len(tag) == 1 {
		h["Etag"] = tag
		if e.Status == http.StatusOK && etagMatch(r.Header["If-None-Match"], tag[0]) {
			delete(h, "Content-Encoding")
			w.WriteHeader(http.StatusNotModified)
			return
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

// SetSecurityHeaders sets on h the security headers every page gets, cached
// or not. A plain handler's response gets them before the handler runs, so
// the handler may change or remove one.
func SetSecurityHeaders(h http.Header) {
	for k, v := range securityHeaders {
		h[k] = v
	}
}

// WriteUncached answers r with an HTML page rendered for this request
// alone (a dynamic, draft or development page, an action's 422, an error):
// never stored by anyone, security headers as on a cached page.
func WriteUncached(w http.ResponseWriter, r *http.Request, status int, body []byte, state string) {
	h := w.Header()
	SetSecurityHeaders(h)
	h["Content-Type"] = htmlType
	h["Cache-Control"] = NoStore
	h.Set("X-Gox-Cache", state)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// coding is a content coding a cached body is stored in.
type coding int

// The codings, in the order the server prefers them when a client ranks
// several equally.
const (
	identity     coding = tagIdentity
	gzipCoding   coding = tagGzip
	brotliCoding coding = tagBrotli
)

// negotiate picks the coding of the response to a request whose
// Accept-Encoding field lines are ae, among identity and those available,
// per RFC 9110 12.5.3: names and the q parameter are case-insensitive, q=0
// refuses a coding, "*" stands for every coding not listed, and the
// highest q wins (brotli, then gzip, then identity on a tie). identity is
// acceptable unless refused by "identity;q=0" or by "*;q=0" without an
// identity entry, and then ranks below every listed coding. No field at
// all gives identity: a client that says nothing may not decode anything.
// When every coding is refused, identity is sent all the same, as the RFC
// advises (the alternative, 406, would give the visitor an error page
// instead of the page).
func negotiate(ae []string, gzipOK, brotliOK bool) coding {
	if len(ae) == 0 {
		return identity
	}
	qBr, qGz, qID, qStar := -1, -1, -1, -1
	for _, line := range ae {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ",")
			name, params, _ := strings.Cut(part, ";")
			q, ok := parseQ(params)
			if !ok {
				continue
			}
			switch name = strings.TrimSpace(name); {
			case strings.EqualFold(name, "br"):
				qBr = firstQ(qBr, q)
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				qGz = firstQ(qGz, q)
			case strings.EqualFold(name, "identity"):
				qID = firstQ(qID, q)
			case name == "*":
				qStar = firstQ(qStar, q)
			}
		}
	}
	if qBr < 0 {
		qBr = max(qStar, 0)
	}
	if qGz < 0 {
		qGz = max(qStar, 0)
	}
	if !brotliOK {
		qBr = 0
	}
	if !gzipOK {
		qGz = 0
	}
	if qID < 0 {
		qID = qStar // unlisted: acceptable (-1 or more) unless "*;q=0", ranked last
	}
	switch {
	case qBr > 0 && qBr >= qGz && qBr >= qID:
		return brotliCoding
	case qGz > 0 && qGz >= qID:
		return gzipCoding
	}
	return identity
}

// firstQ keeps the q of a coding's first entry: a repeated entry does not
// override it.
func firstQ(prev, q int) int {
	if prev >= 0 {
		return prev
	}
	return q
}

// parseQ returns the weight of an Accept-Encoding entry from its
// parameters, in thousandths (RFC 9110 12.4.2): 1000 when there is no q;
// ok false when q is malformed, and the entry is then ignored.
func parseQ(params string) (q int, ok bool) {
	q = 1000
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') || (len(v) > 1 && v[1] != '.') {
			return 0, false
		}
		q = int(v[0]-'0') * 1000
		for i, scale := 2, 100; i < len(v); i, scale = i+1, scale/10 {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
			q += int(v[i]-'0') * scale
		}
		if q > 1000 {
			return 0, false
		}
	}
	return q, true
}

// etagMatch reports whether the If-None-Match field lines inm match etag
// by the weak comparison RFC 9110 13.1.2 prescribes: W/ is ignored on
// either side.
func etagMatch(inm []string, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, line := range inm {
		for line != "" {
			var t string
			t, line, _ = strings.Cut(line, ",")
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}
