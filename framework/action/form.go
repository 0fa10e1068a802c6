package action

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/goxweb/gox/internal/httperr"
)

// ParseForm reads an action's form: application/x-www-form-urlencoded or
// multipart/form-data, at most maxBytes in all. Only the body counts: the
// query names the action, and method-override headers or _method fields
// change nothing (an action is always a POST).
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, ErrUnsupported
	}
	if r.ContentLength > maxBytes {
		return nil, ErrTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	switch ct {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxBytes)
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrTooLarge
		}
		return nil, ErrBadForm.Wrap(err)
	}
	return r.PostForm, nil
}

// FormErrors are validation messages by form field.
type FormErrors map[string]string

// Add records msg for field.
func (fe FormErrors) Add(field, msg string) { fe[field] = msg }

// Get returns the message for field, or "".
func (fe FormErrors) Get(field string) string { return fe[field] }

// Has reports whether field has a message.
func (fe FormErrors) Has(field string) bool { _, ok := fe[field]; return ok }

// Any reports whether there is any message.
func (fe FormErrors) Any() bool { return len(fe) > 0 }

// ValidationError asks for the page to be rendered again, uncached, with
// the messages and the values the user submitted. Invalid wraps it in the
// 422 error an action returns.
type ValidationError struct{ Errors FormErrors }

// Error lists the fields.
func (e *ValidationError) Error() string { return "invalid form" }

// Invalid returns the error an action returns when its form is wrong: a
// 422 whose cause is a *ValidationError carrying errs.
func Invalid(errs FormErrors) error {
	return &httperr.Error{Code: http.StatusUnprocessableEntity, Message: "invalid form", Err: &ValidationError{Errors: errs}}
}

// Submission is what a 422 re-render shows: what was submitted and what
// was wrong with it.
type Submission struct {
	Action string
	Values url.Values
	Errors FormErrors
}

// Value returns the submitted value of field.
func (s *Submission) Value(field string) string {
	if s == nil {
		return ""
	}
	return s.Values.Get(field)
}

type submissionKey struct{}

// WithSubmission returns ctx carrying s.
func WithSubmission(ctx context.Context, s *Submission) context.Context {
	return context.WithValue(ctx, submissionKey{}, s)
}

// SubmissionFrom returns the submission in ctx, or nil.
func SubmissionFrom(ctx context.Context) *Submission {
	s, _ := ctx.Value(submissionKey{}).(*Submission)
	return s
}
