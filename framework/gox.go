package gox

import (
	"context"
	"os"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/internal/httperr"
)

// Ctx is what Load and actions receive: the page's params, the query values
// its cache key holds and, in an action, the posted form. It is a
// context.Context.
type Ctx = page.Ctx

// Head is a page's <head> metadata: page.go exports it as a value, as
// func Head(p T) gox.Head of what Load returned, or as func Head(p
// gox.Params) gox.Head for a page without Load; layout.go exports a value
// as the defaults of the pages below, TitleTemplate included. The root
// layout writes it with @gox.HeadTags().
type Head = page.Head

// Params are a route's parameter values by name; see page.Params.
type Params = page.Params

// Action is a server action: it runs on POST <page>?/<name>.
type Action = page.Action

// Actions maps a page's action names to its actions.
type Actions = page.Actions

// FormErrors are validation messages by form field; return Invalid(errs)
// from an action to show them.
type FormErrors = action.FormErrors

// StatusError is an error with an HTTP status. Return one from Load or an
// action (or a handler) to answer with that status; StatusCode finds it.
type StatusError = httperr.Error

// Dynamic is the Revalidate value of a page rendered on every request and
// never cached.
const Dynamic = page.Dynamic

// SitemapTag is the tag of the /sitemap.xml gox generates (with
// GOX_ORIGIN set) and of its numbered parts: an action that adds pages
// revalidates it to list them at once, rather than within the hour.
const SitemapTag = server.SitemapTag

// NotFound is returned by Load when the page does not exist: the nearest
// not-found page is rendered with status 404 and cached, so that unknown
// URLs cannot make gox render again and again.
var NotFound = page.NotFound

// Redirect returns the error that makes Load or an action answer with a
// redirect to url: 307 from a page, 303 from an action. Redirects are never
// cached.
func Redirect(url string) error { return page.Redirect(url) }

// Invalid returns the error an action returns when the form is wrong: the
// page is rendered again, uncached, with status 422, and its components can
// read the messages (FieldError) and what was submitted (SubmittedValue).
func Invalid(errs FormErrors) error { return action.Invalid(errs) }

// StatusCode returns the HTTP status an error carries (a *StatusError
// anywhere in its chain), or 500.
func StatusCode(err error) int { return httperr.StatusCode(err) }

// Run is an app's main function: gox.Run(routeTable). With no arguments it
// serves on HOST:PORT (default :3000) from the SQLite cache at GOX_CACHE
// (default .gox/cache.db) until SIGINT or SIGTERM; with "prerender" it
// renders every static page into the cache and exits (gox build runs it).
// docs/cli.md lists the environment variables.
func Run(routes page.Routes) {
	os.Exit(server.Main(context.Background(), routes, os.Args[1:], os.Stdout, os.Stderr))
}
