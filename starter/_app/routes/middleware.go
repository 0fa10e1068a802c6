package routes

import "net/http"

// Middleware wraps every request under this folder (here: the whole site),
// cache HITs included; a middleware.go in a folder below runs inside it. It
// runs in front of the cache, never in background regenerations, and
// nothing it sees reaches a cached page. Any net/http middleware fits.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answer yourself, for example to protect the site while it is new:
		//
		//	if _, pw, ok := r.BasicAuth(); !ok || pw != os.Getenv("SITE_PASSWORD") {
		//		w.Header().Set("WWW-Authenticate", `Basic realm="site"`)
		//		http.Error(w, "unauthorized", http.StatusUnauthorized)
		//		return
		//	}
		//
		// or set a header on every response (sent, never stored):
		//
		//	w.Header().Set("Content-Security-Policy", "default-src 'self'")
		next.ServeHTTP(w, r)
	})
}
