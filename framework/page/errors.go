package page

import (
	"net/http"

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
