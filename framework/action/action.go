// Package action holds the request-level parts of gox's server actions:
// finding the action a form posted to, the CSRF check, reading the form
// within limits, and validation errors for a 422 re-render. It knows
// nothing of pages or the cache.
//
// A form posts to its page's URL with the action's name as the query,
// SvelteKit style: POST /products/1?/add-to-cart.
//
// Example:
//
//	name, ok := action.Name(r.URL.RawQuery) // "add-to-cart", true
//	if err := action.CheckOrigin(r, action.OriginConfig{}); err != nil {
//		http.Error(w, err.Error(), httperr.StatusCode(err)) // 403
//	}
package action

import (
	"net/http"
	"strings"

	"github.com/goxweb/gox/internal/httperr"
)

// Errors of the package, each with its HTTP status.
var (
	// ErrForbidden refuses a cross-site or unverifiable post (403).
	ErrForbidden = httperr.New(http.StatusForbidden, "cross-site request refused")
	// ErrTooLarge refuses a body over the limit (413).
	ErrTooLarge = httperr.New(http.StatusRequestEntityTooLarge, "request body too large")
	// ErrBadForm refuses a malformed body (400).
	ErrBadForm = httperr.New(http.StatusBadRequest, "malformed form")
	// ErrUnsupported refuses a body that is not a form (415).
	ErrUnsupported = httperr.New(http.StatusUnsupportedMediaType, "not a form: want application/x-www-form-urlencoded or multipart/form-data")
)

// maxName bounds an action name.
const maxName = 64

// Name returns the action named by a form URL's raw query: "/add-to-cart"
// (from ?/add-to-cart) or "/add-to-cart&x=1". Names are lowercase letters,
// digits, '-' and '_', at most 64 bytes; anything else is no action.
func Name(rawQuery string) (string, bool) {
	q, ok := strings.CutPrefix(rawQuery, "/")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(q, "&")
	if name == "" || len(name) > maxName {
		return "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", false
		}
	}
	return name, true
}

// URL returns the form action URL of name: "?/name", relative, so the same
// cached HTML works at every URL of the page.
func URL(name string) string { return "?/" + name }
