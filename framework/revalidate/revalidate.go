// Package revalidate authorizes and parses gox's on-demand revalidation
// requests: POST /_gox/revalidate with a bearer token and a JSON body, and
// the Vercel-compatible x-prerender-revalidate header. It knows nothing of
// the cache; the app applies the Request.
//
// Example:
//
//	if err := revalidate.Authorize(r, token); err != nil {
//		http.Error(w, err.Error(), httperr.StatusCode(err))
//		return
//	}
//	req, err := revalidate.ParseBody(r, 1<<20)
package revalidate

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
	"github.com/goxweb/gox/internal/wire"
)

// PrerenderHeader carries the token of a Vercel-style revalidation: a GET
// or HEAD of a page with it regenerates the page and returns it fresh.
const PrerenderHeader = "x-prerender-revalidate"

// Limits of a request body.
const (
	MaxItems  = 10_000
	MaxTagLen = 256
)

func fail(code int, format string, args ...any) error {
	return httperr.New(code, fmt.Sprintf(format, args...))
}

// Authorize checks the Authorization: Bearer header against token. No
// token configured: 404, the endpoint does not exist. A token in the query
// string is refused even when right: URLs end up in logs and histories.
func Authorize(r *http.Request, token string) error {
	if token == "" {
		return fail(http.StatusNotFound, "not found")
	}
	q := r.URL.Query()
	for _, k := range []string{"token", "secret", "access_token"} {
		if q.Has(k) {
			return fail(http.StatusUnauthorized, "tokens are accepted only in the Authorization header")
		}
	}
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || got == "" || strings.Contains(got, " ") {
		return fail(http.StatusUnauthorized, "want Authorization: Bearer <token>")
	}
	if !Equal(got, token) {
		return fail(http.StatusUnauthorized, "wrong token")
	}
	return nil
}

// AuthorizePrerender checks the x-prerender-revalidate header.
func AuthorizePrerender(r *http.Request, token string) error {
	got := r.Header.Get(PrerenderHeader)
	if token == "" || got == "" {
		return fail(http.StatusNotFound, "not found")
	}
	if !Equal(got, token) {
		return fail(http.StatusUnauthorized, "wrong token")
	}
	return nil
}

// Equal compares secrets in constant time; hashing first hides their
// lengths too.
func Equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// ParseBody reads and checks the JSON body, at most maxBytes.
func ParseBody(r *http.Request, maxBytes int64) (wire.RevalidateRequest, error) {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		return wire.RevalidateRequest{}, fail(http.StatusUnsupportedMediaType, "want Content-Type: application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return wire.RevalidateRequest{}, fail(http.StatusBadRequest, "read body: %v", err)
	}
	if int64(len(body)) > maxBytes {
		return wire.RevalidateRequest{}, fail(http.StatusRequestEntityTooLarge, "body larger than %d bytes", maxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req wire.RevalidateRequest
	if err := dec.Decode(&req); err != nil {
		return wire.RevalidateRequest{}, fail(http.StatusBadRequest, "bad JSON: %v", err)
	}
	if dec.More() {
		return wire.RevalidateRequest{}, fail(http.StatusBadRequest, "bad JSON: data after the object")
	}
	return req, validate(&req)
}

// validate checks req and canonicalizes it: the default mode, canonical
// paths, each path and tag once.
func validate(req *wire.RevalidateRequest) error {
	switch req.Mode {
	case "":
		req.Mode = wire.ModeStale
	case wire.ModeStale, wire.ModeExpire:
	default:
		return fail(http.StatusBadRequest, `mode must be "stale" or "expire"`)
	}
	if len(req.Paths)+len(req.Tags) == 0 {
		return fail(http.StatusBadRequest, "nothing to revalidate: give paths or tags")
	}
	if len(req.Paths)+len(req.Tags) > MaxItems {
		return fail(http.StatusBadRequest, "more than %d paths and tags", MaxItems)
	}
	for i, p := range req.Paths {
		c, err := CanonicalPath(p)
		if err != nil {
			return err
		}
		req.Paths[i] = c
	}
	for _, t := range req.Tags {
		if t == "" || len(t) > MaxTagLen || hasControl(t) {
			return fail(http.StatusBadRequest, "tags must be 1 to %d bytes without control characters", MaxTagLen)
		}
	}
	// "/a" and "/a/" are one page: the answer counts it once.
	req.Paths = slices.Compact(slices.Sorted(slices.Values(req.Paths)))
	req.Tags = slices.Compact(slices.Sorted(slices.Values(req.Tags)))
	return nil
}

// CanonicalPath returns the path a page is cached under for p, a path as
// written in a URL: "/products/1/" and "//products/1" give "/products/1",
// the spelling the router redirects them to. A path no request could reach
// (relative, with a query, a dot segment, or too long) is refused with a
// 400 *Error rather than silently revalidating nothing.
func CanonicalPath(p string) (string, error) {
	if strings.ContainsAny(p, "?#") {
		return "", fail(http.StatusBadRequest, "path %q: give the path alone; it covers every query", short(p))
	}
	c, _, err := route.Canonical(p)
	if se, ok := errors.AsType[*httperr.Error](err); ok {
		return "", fail(http.StatusBadRequest, "path %q: %s; want an absolute path like /products/1", short(p), se.Message)
	}
	if err != nil {
		return "", fail(http.StatusBadRequest, "path %q: %v", short(p), err)
	}
	return c, nil
}

// short keeps error messages readable when a path is too long to serve.
func short(p string) string {
	if len(p) > 64 {
		return p[:64] + "..."
	}
	return p
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
