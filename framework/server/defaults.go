package server

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/a-h/templ"
)

// defaultNotFound is the not-found page of an app without not_found.templ.
func defaultNotFound() templ.Component {
	return statusPage(http.StatusNotFound, "This page could not be found.")
}

// statusPage is a minimal page for a status without a page of its own.
func statusPage(code int, msg string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, "<!doctype html><title>%d %s</title><h1>%d %s</h1><p>%s</p>\n",
			code, http.StatusText(code), code, http.StatusText(code), templ.EscapeString(msg))
		return err
	})
}
