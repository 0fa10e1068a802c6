package server

import "github.com/labstack/echo/v4"

// router registers the app's endpoints on echo, each handler wrapped in
// its route's middleware and in the app's outermost one (recoverPanics)
// once, when the route is added. echo's Use, and even its route-level
// middleware, wrap the handler again on every request: an allocation on
// every cache HIT.
type router struct {
	e     *echo.Echo
	outer echo.MiddlewareFunc
}

// wrap returns h inside m, the first of m outermost, inside r.outer.
func (r router) wrap(h echo.HandlerFunc, m []echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return r.outer(h)
}

// GET registers h for GET requests of path.
func (r router) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.GET(path, r.wrap(h, m))
}

// HEAD registers h for HEAD requests of path.
func (r router) HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.HEAD(path, r.wrap(h, m))
}

// POST registers h for POST requests of path.
func (r router) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.POST(path, r.wrap(h, m))
}

// Add registers h for method requests of path.
func (r router) Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.Add(method, path, r.wrap(h, m))
}

// Any registers h for requests of path with any method.
func (r router) Any(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.Any(path, r.wrap(h, m))
}
