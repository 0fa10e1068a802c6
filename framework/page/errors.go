package page

import (
	"errors"
	"net/http"
	"reflect"
	"runtime"

	"github.com/goxweb/gox/internal/httperr"
)

// NotFound is returned by Load when the page does not exist. The nearest
// not-found page is rendered with status 404 and cached (for a shorter
// time than a page), so that unknown URLs cannot make gox render again and
// again.
var NotFound error = httperr.New(http.StatusNotFound, "not found")

// Redirect returns an error that makes Load or an action answer with a
// redirect to url: 307 from a page, 303 from an action. Redirects are never
// cached.
func Redirect(url string) error {
	return &httperr.Error{Code: http.StatusTemporaryRedirect, Message: "redirect", Location: url}
}

// LoadError is an error a Load function (a page's or a layout's)
// returned, with where that Load is and the calls that led to it: the
// development error page shows them, production never does. Its message
// is the error's own, and errors.Is and errors.As see through it.
type LoadError struct {
	Err error
	// Func names the Load function (example.com/shop/routes/products/id_.Load);
	// File and Line are where it is declared.
	Func string
	File string
	Line int
	// Stack holds the program counters of the calls into Load, innermost
	// first (runtime.Callers).
	Stack []uintptr
}

func (e *LoadError) Error() string { return e.Err.Error() }

func (e *LoadError) Unwrap() error { return e.Err }

// maxLoadStack bounds the calls a LoadError keeps.
const maxLoadStack = 64

// loadSite is where a Load function is declared.
type loadSite struct {
	fn, file string
	line     int
}

// siteOf returns where the function load is declared.
func siteOf(load any) loadSite {
	pc := reflect.ValueOf(load).Pointer()
	f := runtime.FuncForPC(pc)
	if f == nil {
		return loadSite{}
	}
	file, line := f.FileLine(f.Entry())
	return loadSite{f.Name(), file, line}
}

// loadError wraps err, which Load declared at s returned, in a LoadError;
// a deliberate answer (NotFound, a redirect, any error with an HTTP
// status) is returned as is.
func (s loadSite) loadError(err error) error {
	if _, ok := errors.AsType[*httperr.Error](err); ok {
		return err
	}
	if _, ok := errors.AsType[*LoadError](err); ok {
		return err // a page's Load that returned a layout's error, say
	}
	pcs := make([]uintptr, maxLoadStack)
	// Skip runtime.Callers, loadError and the adapter's closure: the
	// first call kept is the one into the page or layout's render.
	n := runtime.Callers(3, pcs)
	return &LoadError{Err: err, Func: s.fn, File: s.file, Line: s.line, Stack: pcs[:n]}
}
