// Package isr is gox's Incremental Static Regeneration engine: it answers a
// page from the cache when it can, renders it when it must, and regenerates
// stale pages in the background, once per key across goroutines and
// processes.
//
// The engine knows nothing of HTTP or templ. Routes are registered once
// with the function that renders their keys; a Job is a registered route
// and one of its cache keys. The engine resolves the keys it finds on its
// own (an invalidation's) against the registered patterns, so nothing
// outside it turns a key back into a render. Encode (from the server:
// httpcache.Encode) gives each new entry its HTTP form; an Observer learns
// what was served and rendered.
//
// Example:
//
//	eng, _ := isr.New(isr.Options{Store: store})
//	defer eng.Close()
//	products, _ := eng.Register("/products/{id}", render)
//	job := isr.Job{Route: products, Key: "/products/1", Params: map[string]string{"id": "1"}}
//	entry, state, err := eng.Serve(ctx, job)
package isr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/route"
)

// State says how a request was answered.
type State string

// States reported in the X-Gox-Cache header.
const (
	Hit     State = "HIT"     // fresh entry served from the cache
	Stale   State = "STALE"   // stale entry served; regeneration runs in the background
	Miss    State = "MISS"    // nothing cached; rendered, stored and served
	Expired State = "EXPIRED" // expired on demand; waited for a fresh render
)

// Errors of the engine.
var (
	// ErrNotStorable reports a render that returned something other than a
	// complete 200 or a deliberate 404: it is served as an error and never
	// stored.
	ErrNotStorable = errors.New("isr: render result not storable")
	// ErrTimeout reports a render that ran past Options.RenderTimeout.
	ErrTimeout = errors.New("isr: render timed out")
	// ErrClosed reports use of a closed engine.
	ErrClosed = errors.New("isr: engine closed")
)

// Statuses a render may store: a page, or a deliberate not-found page.
const (
	statusOK       = 200
	statusNotFound = 404
)

// Result is what a render produces.
type Result struct {
	// Status is 200, or 404 for a deliberate not-found page.
	Status int
	// Header is an http.Header stored and replayed with the page
	// (Content-Type and the like). Set-Cookie makes the result not
	// storable.
	Header map[string][]string
	// Body is the complete page.
	Body []byte
	// Tags are the data the page depends on.
	Tags []string
	// Revalidate is how long the page stays fresh; 0 means until
	// revalidated on demand.
	Revalidate time.Duration
}

// Render renders one key of a route: params are the route's, matched from
// the key's path. It gets the key and nothing of the request, so a cached
// page cannot depend on anything but its key: it also runs in the
// background, long after any request, and in gox build.
type Render func(ctx context.Context, key route.Key, params map[string]string) (Result, error)

// Job asks the engine for one cache key of a registered route.
type Job struct {
	// Route is the handle Engine.Register returned for the key's route.
	Route *Route
	// Key is the cache key.
	Key route.Key
	// Params are the route's parameters in Key's path, as the caller
	// matched them; the engine matches them itself for keys it finds on
	// its own (eager regeneration).
	Params map[string]string
	// NotBefore, when set, makes an entry generated before it count as
	// expired for this request alone: the request waits for a fresh render
	// (shared with any other in flight). It gives the browser that just
	// changed data, and only that browser, read-your-writes. While the
	// key's last render failed and its retry is not due, the last good
	// entry is served instead.
	NotBefore time.Time
	// Writes, when not nil, limits NotBefore to the entries it covers:
	// the pages the browser's action invalidated. Nil covers every page.
	Writes *Writes
}

// storable reports why r may not be stored, or nil.
func (r *Result) storable() error {
	switch {
	case r.Status != statusOK && r.Status != statusNotFound:
		return fmt.Errorf("%w: status %d", ErrNotStorable, r.Status)
	case len(r.Body) == 0:
		return fmt.Errorf("%w: empty body", ErrNotStorable)
	case setsCookie(r.Header):
		return fmt.Errorf("%w: response sets a cookie", ErrNotStorable)
	}
	return nil
}

// setsCookie reports whether header has a Set-Cookie, however spelled.
func setsCookie(header map[string][]string) bool {
	for k, v := range header {
		if len(v) > 0 && strings.EqualFold(k, "Set-Cookie") {
			return true
		}
	}
	return false
}
