package route

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/goxweb/gox/internal/httperr"
)

// MaxPathLength is the longest path gox answers; longer ones get 414.
const MaxPathLength = 2048

// MaxKeyLength is the longest cache key, path plus allowlisted query,
// gox answers; longer ones get 414. Without it one allowlisted parameter
// of any length would store one entry of that size per distinct value.
const MaxKeyLength = 2048

// refuse returns the *httperr.Error of a refused path; its Message is the
// reason alone.
func refuse(code int, reason string) error { return httperr.New(code, reason) }

// Canonical checks a request's escaped path (r.URL.EscapedPath()) and
// returns the decoded path a page is cached under. When the request spells
// the path differently from its one canonical spelling (a trailing slash,
// doubled slashes, needless escapes), redirect is the canonical escaped
// path to send the client to; it always starts with a single "/".
// Refused paths return a *httperr.Error: 400 for malformed or control
// characters, 404 for dot segments, encoded slashes, ';', '?' and '#', 414 for
// length.
func Canonical(escaped string) (path, redirect string, err error) {
	if len(escaped) > MaxPathLength {
		return "", "", refuse(414, "too long")
	}
	if escaped == "" || escaped[0] != '/' {
		return "", "", refuse(400, "not absolute")
	}
	if escaped == "/" {
		return "/", "", nil
	}
	if strings.ContainsAny(escaped, ";\\") {
		return "", "", refuse(404, "';' or '\\' in path")
	}
	var b strings.Builder
	b.Grow(len(escaped))
	for seg := range strings.SplitSeq(escaped[1:], "/") {
		if seg == "" {
			continue // doubled or trailing slash: the redirect drops it
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", "", refuse(400, "malformed escape")
		}
		switch {
		case !utf8.ValidString(dec):
			return "", "", refuse(400, "invalid UTF-8")
		case dec == "." || dec == "..":
			return "", "", refuse(404, "dot segment")
		case strings.ContainsAny(dec, "/\\;?#"):
			// A decoded '?' would make the path spell a cache key with a
			// query ("/products/1%3Fpage=2" is the key of /products/1?page=2).
			return "", "", refuse(404, "encoded '/', '\\', ';', '?' or '#'")
		}
		for _, r := range dec {
			if r < 0x20 || r == 0x7f {
				return "", "", refuse(400, "control character")
			}
		}
		b.WriteByte('/')
		b.WriteString(dec)
	}
	path = b.String()
	if path == "" {
		path = "/"
	}
	want := (&url.URL{Path: path}).EscapedPath()
	if want != escaped {
		return path, want, nil
	}
	return path, "", nil
}

// Key is a page's cache key: its canonical path (as Canonical returns it)
// and, after a "?", only the query parameters the page allowlists, sorted
// by name, one value each: "/posts?page=2". NewKey builds it and its
// methods take it apart; nothing else spells or parses a key.
type Key string

// NewKey returns the key of path with only the allow-listed values of
// query. A key longer than MaxKeyLength is refused with a 414
// *httperr.Error: the query is not bounded by MaxPathLength, and without a
// bound one allowlisted parameter of any length would store one entry of
// that size per distinct value.
func NewKey(path string, query url.Values, allow []string) (Key, error) {
	k := Key(path)
	if len(allow) > 0 && len(query) > 0 {
		kept := url.Values{}
		for _, name := range allow {
			if v, ok := query[name]; ok && len(v) > 0 {
				kept[name] = v[:1]
			}
		}
		if len(kept) > 0 {
			k = Key(path + "?" + kept.Encode()) // Encode sorts by name
		}
	}
	if len(k) > MaxKeyLength {
		return "", refuse(414, "cache key too long")
	}
	return k, nil
}

// Path returns the key's path.
func (k Key) Path() string {
	p, _, _ := strings.Cut(string(k), "?")
	return p
}

// RawQuery returns the key's encoded query, without the "?".
func (k Key) RawQuery() string {
	_, q, _ := strings.Cut(string(k), "?")
	return q
}

// Query returns the key's query values.
func (k Key) Query() url.Values {
	q, _ := url.ParseQuery(k.RawQuery())
	return q
}
