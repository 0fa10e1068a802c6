package gox

import (
	"errors"
	"net/http"
)

// NotFound is returned by Load when the page does not exist. The not-found
// page is rendered with status 404 and cached (with NotFoundRevalidate) so
// that unknown URLs cannot make gox render again and again.
var NotFound = &StatusError{Code: http.StatusNotFound, Message: "not found"}

// StatusError is an error with an HTTP status.
type StatusError struct {
	Code    int
	Message string
}

// Error returns the message.
func (e *StatusError) Error() string { return e.Message }

// StatusCode returns the HTTP status of the error.
func (e *StatusError) StatusCode() int { return e.Code }

// StatusCoder is implemented by errors that carry an HTTP status.
type StatusCoder interface {
	StatusCode() int
}

// StatusCode returns the HTTP status carried by err, or 500.
func StatusCode(err error) int {
	var sc StatusCoder
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	return http.StatusInternalServerError
}

// RedirectError is returned by Redirect: a render or action that returns it
// answers with a redirect instead of a page. Redirects are never cached.
type RedirectError struct {
	Code int
	URL  string
}

// Error describes the redirect.
func (e *RedirectError) Error() string { return "redirect to " + e.URL }

// StatusCode returns the redirect status.
func (e *RedirectError) StatusCode() int { return e.Code }

// Redirect returns an error that makes Load or an action answer with a
// redirect to url: 307 from a page, 303 from an action.
func Redirect(url string) error { return &RedirectError{URL: url} }
