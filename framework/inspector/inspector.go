// Package inspector is the cache inspector page of a gox app, at
// /_gox/cache: each route's traffic (reads, hit rate, reads per write,
// with routes that write nearly as often as they are read flagged),
// renders and failures with the last error, a chart of reads and writes
// over the last minutes, each route's entries and each entry's state,
// age, tags, build, size per encoding and last error, and forms that
// revalidate or expire a tag or a path. It is server-rendered with templ;
// the forms work without JavaScript.
//
// The forms post to the inspector: a post must pass the same-origin
// check of actions (Options.CheckOrigin), so another site cannot make an
// operator's browser revalidate. Who may see the page at all is the
// server's business (a token, or an admin listener).
//
// Example:
//
//	h := inspector.New(inspector.Options{Metrics: m, Store: store, Engine: engine, Revalidate: app.Revalidate, CheckOrigin: check})
//	mux.Handle("/_gox/cache", h)
//	mux.Handle("/_gox/cache/", h)
package inspector

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/metrics"
)

// Path is where the inspector is served.
const Path = "/_gox/cache"

// maxEntries bounds the entries listed on a route's page.
const maxEntries = 200

// maxValue bounds a tag or path posted by a form.
const maxValue = 1024

// Options are what the inspector shows and acts on.
type Options struct {
	// Metrics are the app's counts (required).
	Metrics *metrics.Metrics
	// Store lists the entries when it is a cache.Lister, and reads one
	// for the entry view.
	Store cache.Store
	// Engine judges each entry's state and names the build.
	Engine *isr.Engine
	// BuildID is the running build's.
	BuildID string
	// Revalidate applies a form's revalidation (App.Revalidate).
	Revalidate func(ctx context.Context, paths, tags []string, mode cache.Mode) (isr.Invalidation, error)
	// CheckOrigin refuses a post that is not same-origin (action.CheckOrigin
	// with the app's configuration). Without it every post is refused.
	CheckOrigin func(*http.Request) error
}

// Inspector serves the inspector's pages. It is safe for concurrent use.
type Inspector struct{ o Options }

// New returns the inspector.
func New(o Options) *Inspector { return &Inspector{o: o} }

// ServeHTTP answers GET /_gox/cache (the routes), GET
// /_gox/cache/route?route=P (a route's entries), GET
// /_gox/cache/entry?key=K (one entry) and POST /_gox/cache/revalidate.
func (in *Inspector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	sub := strings.TrimPrefix(r.URL.Path, Path)
	if sub == "/revalidate" {
		in.serveRevalidate(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var page templ.Component
	switch sub {
	case "", "/":
		page = overviewPage(in.overview(r))
	case "/route":
		rt := r.URL.Query().Get("route")
		if rt == "" || len(rt) > maxValue {
			http.Error(w, "want ?route=<route pattern>", http.StatusBadRequest)
			return
		}
		v, err := in.route(r.Context(), rt)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page = routePage(v)
	case "/entry":
		key := r.URL.Query().Get("key")
		if key == "" || len(key) > maxValue {
			http.Error(w, "want ?key=<cache key>", http.StatusBadRequest)
			return
		}
		v, err := in.entry(r.Context(), key)
		if errors.Is(err, cache.ErrNotFound) {
			http.Error(w, "no entry for this key", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page = entryPage(v)
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Render(r.Context(), w)
}

// serveRevalidate applies a form: kind (tag or path), value, mode (stale
// or expire), back (an inspector page to return to).
func (in *Inspector) serveRevalidate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if in.o.CheckOrigin == nil {
		http.Error(w, "forbidden: the inspector has no origin check (Options.CheckOrigin)", http.StatusForbidden)
		return
	}
	if err := in.o.CheckOrigin(r); err != nil {
		http.Error(w, "forbidden: "+err.Error(), http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	value := strings.TrimSpace(r.PostForm.Get("value"))
	mode := cache.Stale
	switch r.PostForm.Get("mode") {
	case "", "stale":
	case "expire":
		mode = cache.Expire
	default:
		http.Error(w, `mode: want "stale" or "expire"`, http.StatusBadRequest)
		return
	}
	if value == "" || len(value) > maxValue {
		http.Error(w, "value: want a tag or a path of 1 to 1024 bytes", http.StatusBadRequest)
		return
	}
	var paths, tags []string
	switch r.PostForm.Get("kind") {
	case "tag":
		tags = []string{value}
	case "path":
		paths = []string{value}
	default:
		http.Error(w, `kind: want "tag" or "path"`, http.StatusBadRequest)
		return
	}
	if _, err := in.o.Revalidate(r.Context(), paths, tags, mode); err != nil {
		http.Error(w, "revalidate: "+err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, backTo(r.PostForm.Get("back")), http.StatusSeeOther)
}

// backTo returns back when it is an inspector page, else the overview:
// a form cannot send the browser anywhere else.
func backTo(back string) string {
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(back, "//") ||
		(u.Path != Path && !strings.HasPrefix(u.Path, Path+"/")) || strings.Contains(u.Path, "..") || strings.ContainsAny(back, "\\\r\n") {
		return Path
	}
	return u.RequestURI()
}

// overview is what the overview page shows.
type overview struct {
	Routes  []metrics.Route
	History []metrics.Point
	Build   string
	Now     time.Time
	Stats   *cache.Stats
}

func (in *Inspector) overview(r *http.Request) overview {
	v := overview{History: in.o.Metrics.History(), Build: in.o.BuildID, Now: time.Now()}
	for _, rt := range in.o.Metrics.Routes() {
		// Cached routes only: plain handlers, files and these pages have
		// nothing to inspect.
		if rt.Reads+rt.Writes+rt.Regenerations+rt.Failures > 0 {
			v.Routes = append(v.Routes, rt)
		}
	}
	if l, ok := in.o.Store.(cache.Lister); ok {
		if st, err := l.Stats(r.Context()); err == nil {
			v.Stats = &st
		}
	}
	return v
}

// entryRow is one entry of a route's page.
type entryRow struct {
	cache.Info
	State string
}

// routeView is what a route's page shows.
type routeView struct {
	Route   string
	Counts  metrics.Route
	Entries []entryRow
	More    bool
	Listed  bool
	Now     time.Time
}

func (in *Inspector) route(ctx context.Context, rt string) (routeView, error) {
	v := routeView{Route: rt, Now: time.Now()}
	for _, c := range in.o.Metrics.Routes() {
		if c.Route == rt {
			v.Counts = c
		}
	}
	l, ok := in.o.Store.(cache.Lister)
	if !ok {
		return v, nil
	}
	v.Listed = true
	infos, err := l.List(ctx, cache.Filter{Route: rt, Limit: maxEntries + 1})
	if err != nil {
		return v, err
	}
	if len(infos) > maxEntries {
		infos, v.More = infos[:maxEntries], true
	}
	for _, i := range infos {
		v.Entries = append(v.Entries, entryRow{Info: i, State: in.state(i.GeneratedAt, i.FreshUntil, i.BuildID, i.RevalidatedAt, i.ExpiredAt)})
	}
	return v, nil
}

// state names an entry's state: FRESH, STALE or EXPIRED.
func (in *Inspector) state(generated, freshUntil time.Time, build string, revalidated, expired time.Time) string {
	l := cache.Lookup{
		Entry:         &cache.Entry{GeneratedAt: generated, FreshUntil: freshUntil, BuildID: build},
		RevalidatedAt: revalidated, ExpiredAt: expired,
	}
	switch in.o.Engine.Freshness(l, time.Now()) {
	case isr.Stale:
		return "STALE"
	case isr.Expired:
		return "EXPIRED"
	}
	return "FRESH"
}

// entryView is what an entry's page shows.
type entryView struct {
	Key, Route, State, Build, ETag, LastError string
	Status, Failures                          int
	Tags                                      []string
	Generated, FreshUntil, RetryAt, Now       time.Time
	Identity, Gzip, Brotli                    int
	Revalidated, Expired                      time.Time
	Headers                                   []string
}

func (in *Inspector) entry(ctx context.Context, key string) (entryView, error) {
	l, err := in.o.Store.Get(ctx, key)
	if err != nil {
		return entryView{}, err
	}
	e := l.Entry
	v := entryView{
		Key: e.Key, Route: e.Route, Build: e.BuildID, ETag: e.ETag, LastError: e.LastError,
		Status: e.Status, Failures: e.Failures, Tags: e.Tags,
		Generated: e.GeneratedAt, FreshUntil: e.FreshUntil, RetryAt: e.RetryAt, Now: time.Now(),
		Identity: len(e.Body), Gzip: len(e.Gzip), Brotli: len(e.Brotli),
		Revalidated: l.RevalidatedAt, Expired: l.ExpiredAt,
		State: in.state(e.GeneratedAt, e.FreshUntil, e.BuildID, l.RevalidatedAt, l.ExpiredAt),
	}
	for k, vs := range e.Header {
		for _, x := range vs {
			v.Headers = append(v.Headers, k+": "+x)
		}
	}
	slices.Sort(v.Headers)
	return v, nil
}
