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
//		http.Error(w, err.Error(), action.StatusCode(err)) // 403
//	}
package action

import (
	"errors"
	"net/http"
	"strings"
)

// Errors of the package. Each carries its HTTP status; see StatusCode.
var (
	// ErrForbidden refuses a cross-site or unverifiable post (403).
	ErrForbidden = &Error{Code: http.StatusForbidden, Msg: "cross-site request refused"}
	// ErrTooLarge refuses a body over the limit (413).
	ErrTooLarge = &Error{Code: http.StatusRequestEntityTooLarge, Msg: "request body too large"}
	// ErrBadForm refuses a malformed body (400).
	ErrBadForm = &Error{Code: http.StatusBadRequest, Msg: "malformed form"}
	// ErrUnsupported refuses a body that is not a form (415).
	ErrUnsupported = &Error{Code: http.StatusUnsupportedMediaType, Msg: "not a form: want application/x-www-form-urlencoded or multipart/form-data"}
)

// Error is a refused action request with its HTTP status.
type Error struct {
	Code int
	Msg  string
	err  error
}

// Error returns the message.
func (e *Error) Error() string {
	if e.err != nil {
		return e.Msg + ": " + e.err.Error()
	}
	return e.Msg
}

// StatusCode returns the HTTP status.
func (e *Error) StatusCode() int { return e.Code }

// Is makes errors.Is(err, ErrForbidden) true for every refusal of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Msg == e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.err }

func (e *Error) with(cause error) *Error { return &Error{Code: e.Code, Msg: e.Msg, err: cause} }

// StatusCode returns the HTTP status of err, or 500.
func StatusCode(err error) int {
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	return http.StatusInternalServerError
}

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
