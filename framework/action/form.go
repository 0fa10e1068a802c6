package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/goxweb/gox/internal/httperr"
)

// maxParts bounds the parts of a multipart form, as net/http does.
const maxParts = 1000

// ParseForm reads an action's form: application/x-www-form-urlencoded or
// multipart/form-data, at most maxBytes in all. Only the body counts: the
// query names the action, and method-override headers or _method fields
// change nothing (an action is always a POST).
//
// A multipart body is read one part at a time: a field's value is kept
// (the body limit bounds them all), a file part is read through and
// dropped, never buffered nor written to disk, since an action gets
// values only.
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, ErrUnsupported
	}
	if r.ContentLength > maxBytes {
		return nil, ErrTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	var form url.Values
	switch ct {
	case "application/x-www-form-urlencoded":
		if err = r.ParseForm(); err == nil {
			form = r.PostForm
		}
	case "multipart/form-data":
		form, err = readMultipart(r.Body, params["boundary"])
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
	return form, nil
}

// readMultipart reads the fields of a multipart body.
func readMultipart(body io.Reader, boundary string) (url.Values, error) {
	if boundary == "" {
		return nil, errors.New("multipart: no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	form := url.Values{}
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= maxParts {
			return nil, fmt.Errorf("multipart: more than %d parts", maxParts)
		}
		name := p.FormName()
		if name == "" || isFile(p) {
			_, err = io.Copy(io.Discard, p)
		} else {
			var b []byte
			b, err = io.ReadAll(p)
			form.Add(name, string(b))
		}
		if err != nil {
			return nil, err
		}
	}
}

// isFile reports whether p is a file field, chosen or left empty: it has
// a filename parameter, as net/http decides.
func isFile(p *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return false
	}
	_, ok := params["filename"]
	return ok
}

// MaxEcho bounds each value a 422 page gets back: the form is shown again
// with what was typed, but a huge value is not sent back whole.
const MaxEcho = 1 << 10

// EchoValues returns a copy of form fit to be shown again: each value cut
// to at most MaxEcho bytes on a character boundary, and any invalid UTF-8
// replaced by U+FFFD, since the page is served as UTF-8.
func EchoValues(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, vs := range form {
		ek := echoValue(k)
		for _, v := range vs {
			out[ek] = append(out[ek], echoValue(v))
		}
	}
	return out
}

func echoValue(v string) string {
	if len(v) > 4*MaxEcho {
		v = v[:4*MaxEcho] // ToValidUTF8 below need not copy the rest
	}
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) <= MaxEcho {
		return v
	}
	cut := MaxEcho
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
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
