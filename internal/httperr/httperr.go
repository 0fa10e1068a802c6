// Package httperr is gox's one error type that carries an HTTP status, and
// StatusCode, which finds it in any error chain. Every package of gox that
// refuses a request returns an *Error; the server turns it into a status
// with errors.As, never by matching messages.
package httperr

import (
	"errors"
	"net/http"
)

// Error is an error with an HTTP status: a refused request, a page that
// does not exist, a redirect.
type Error struct {
	// Code is the HTTP status.
	Code int
	// Message is what the client may be told; it never holds a secret.
	Message string
	// Location is the target of a redirect (a 3xx Code).
	Location string
	// Err is the cause: logged, never shown to the client.
	Err error
}

// New returns an *Error with code and message.
func New(code int, message string) *Error { return &Error{Code: code, Message: message} }

// Error returns the message and, after a colon, the cause.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, sentinel) true for every error made from the
// sentinel with Wrap, whatever its cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message && t.Location == e.Location
}

// Wrap returns a copy of e with cause as its Err.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// StatusCode returns the HTTP status of the first *Error in err's chain,
// or 500 when there is none.
func StatusCode(err error) int {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return http.StatusInternalServerError
}
