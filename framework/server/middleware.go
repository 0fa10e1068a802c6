package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

// subtree is the handler for the requests under one middleware folder:
// the app wrapped in that folder's middleware and every one above it.
type subtree struct {
	segs    []route.Segment
	handler http.Handler
}

// withMiddleware wraps app in the route table's middleware, each for its
// folder's URL subtree, outer folders outermost. It precomputes one
// handler per middleware folder, so a request only picks the deepest
// folder it is under and builds nothing.
func (a *App) withMiddleware(mws []page.Middleware, app http.Handler) (http.Handler, error) {
	if len(mws) == 0 {
		return app, nil
	}
	type parsed struct {
		mw   page.Middleware
		segs []route.Segment
	}
	ps := make([]parsed, len(mws))
	for i, m := range mws {
		p, err := route.Parse(m.Pattern)
		if err != nil {
			return nil, err
		}
		ps[i] = parsed{m, p.Segments}
	}
	var trees []subtree
	for _, p := range ps {
		// Every middleware whose folder contains this one, outermost first.
		var chain []parsed
		for _, q := range ps {
			if under(p.segs, q.segs) {
				chain = append(chain, q)
			}
		}
		slices.SortFunc(chain, func(a, b parsed) int { return len(a.segs) - len(b.segs) })
		h := app
		for i := len(chain) - 1; i >= 0; i-- {
			h = chain[i].mw.Func(h)
		}
		trees = append(trees, subtree{p.segs, h})
	}
	// Deepest first: a request takes the first folder it is under.
	slices.SortStableFunc(trees, func(a, b subtree) int { return len(b.segs) - len(a.segs) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The canonical path decides, and any other spelling (/admin/,
		// //admin, /%61dmin) is sent to it first. A path without one (dot
		// segments, encoded slashes) could reach a handler under a folder
		// without passing its middleware, so it is refused, as it is for
		// pages.
		p, redirect, err := route.Canonical(r.URL.EscapedPath())
		if err != nil {
			a.writeStatus(w, r, httperr.StatusCode(err))
			return
		}
		if redirect != "" {
			// The middleware goes by the canonical path, echo routes the
			// spelling sent: /%5fgox/x would skip every middleware as
			// gox's own and then reach a handler at /{tenant}/x. Only the
			// one spelling both agree on goes on.
			if r.URL.RawQuery != "" {
				redirect += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, redirect, http.StatusPermanentRedirect)
			return
		}
		if strings.HasPrefix(p, "/_gox/") {
			// gox's own endpoints: hashed assets, client.js, and the
			// revalidate and draft endpoints, which authenticate themselves.
			app.ServeHTTP(w, r)
			return
		}
		segs := strings.Split(strings.Trim(p, "/"), "/")
		if p == "/" {
			segs = nil
		}
		for _, t := range trees {
			if matchPrefix(t.segs, segs) {
				a.serveRecovering(t.handler, w, r)
				return
			}
		}
		app.ServeHTTP(w, r)
	}), nil
}

// under reports whether the folder of pattern segs lies in (or is) the
// folder of outer.
func under(segs, outer []route.Segment) bool {
	if len(outer) > len(segs) {
		return false
	}
	for i, o := range outer {
		if o.Kind != segs[i].Kind || (o.Kind == route.Static && o.Value != segs[i].Value) {
			return false
		}
	}
	return true
}

// matchPrefix reports whether the path segments lie under the folder of
// pattern segs: its static segments match exactly, a parameter matches any
// one segment, a catch-all at least one.
func matchPrefix(pat []route.Segment, segs []string) bool {
	for i, s := range pat {
		switch {
		case s.Kind == route.CatchAll:
			return len(segs) > i
		case i >= len(segs):
			return false
		case s.Kind == route.Static && s.Value != segs[i]:
			return false
		}
	}
	return true
}
