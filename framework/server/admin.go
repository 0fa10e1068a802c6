package server

import (
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/internal/wire"
)

// The admin endpoints: metrics and the cache inspector, which say much
// about the site and can revalidate it, and health, which says nothing
// and is open to load balancers.
const (
	healthPath    = "/_gox/health"
	metricsPath   = "/_gox/metrics"
	inspectorPath = "/_gox/cache"
)

// AdminHandler serves /_gox/health, /_gox/metrics and the cache inspector
// at /_gox/cache, without a token: Serve listens with it on
// Config.AdminAddr, which must be an address only operators reach. The
// inspector's buttons still need a same-origin POST. Metrics and the
// inspector answer only a request whose Host is an IP address, localhost,
// the host of Config.AdminAddr or that of Config.Origin (see
// localHostOnly).
func (a *App) AdminHandler() http.Handler {
	return a.adminMux(a.localHostOnly)
}

// localHostOnly refuses (403) a request to h whose Host is not an IP
// address, localhost, the host of Config.AdminAddr or that of
// Config.Origin. It guards the endpoints served without a token (the admin
// listener, development): a page of another site that rebinds its own
// name to the address of one (DNS rebinding) makes the browser send that
// name as the Host, and would otherwise read the metrics and pass the
// inspector's same-origin check, which compares Origin with Host.
func (a *App) localHostOnly(h http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true}
	if host, _, err := net.SplitHostPort(a.cfg.AdminAddr); err == nil && host != "" {
		allowed[strings.ToLower(host)] = true
	}
	if u, err := url.Parse(a.cfg.Origin); err == nil && u.Hostname() != "" {
		allowed[strings.ToLower(u.Hostname())] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if _, err := netip.ParseAddr(host); err != nil && !allowed[strings.ToLower(host)] {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "forbidden: the admin endpoints answer only a request for an IP address, localhost, "+
				wire.EnvAdminAddr+"'s host or "+wire.EnvOrigin+"'s host", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// adminMux routes the admin endpoints, each but health behind guard.
func (a *App) adminMux(guard func(http.Handler) http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(healthPath, a.serveHealth)
	mux.Handle(metricsPath, guard(onlyGet(a.metrics.Handler())))
	mux.Handle(inspectorPath, guard(a.inspector))
	mux.Handle(inspectorPath+"/", guard(a.inspector))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { a.writeStatus(w, r, http.StatusNotFound) })
	return mux
}

// mountAdmin wires the admin endpoints on the app's own listener: health
// always; metrics and the inspector behind Config.MetricsToken when it is
// set, open in development to a request for a local host (localHostOnly),
// and absent otherwise (they are then only on
// the admin listener, if there is one).
func (a *App) mountAdmin(e router) {
	var guard func(http.Handler) http.Handler
	switch {
	case a.cfg.MetricsToken != "":
		fails := revalidate.NewLimiter(0, 0, 0)
		guard = func(h http.Handler) http.Handler { return a.requireToken(h, fails) }
	case a.cfg.Dev:
		guard = a.localHostOnly
	}
	mux := http.Handler(http.HandlerFunc(a.serveHealth))
	if guard != nil {
		mux = a.adminMux(guard)
	}
	h := echo.WrapHandler(mux)
	e.Any(healthPath, h)
	if guard != nil {
		e.Any(metricsPath, h)
		e.Any(inspectorPath, h)
		e.Any(inspectorPath+"/*", h)
	}
}

// onlyGet answers GET and HEAD with h, anything else with 405.
func onlyGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// requireToken lets a request through to h with Config.MetricsToken as a
// bearer token (Prometheus) or as the password of HTTP Basic
// authentication with any user name (a browser, for the inspector). The
// token is compared in constant time and never read from the query
// string; a client that sent too many wrong tokens waits, as for
// revalidation.
func (a *App) requireToken(h http.Handler, fails *revalidate.Limiter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		client := a.clientAddr(r)
		if wait := fails.Wait(client); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(revalidate.RetryAfter(wait)))
			http.Error(w, "too many wrong tokens from this client; retry later", http.StatusTooManyRequests)
			return
		}
		token, err := adminToken(r)
		if err == nil && !revalidate.Equal(token, a.cfg.MetricsToken) {
			err = errors.New("wrong token")
		}
		if err != nil {
			fails.Failed(client)
			a.log.Warn("admin: refused", "path", logPath(r.URL.Path), "client", client, "err", err)
			w.Header().Set("WWW-Authenticate", `Basic realm="gox", charset="UTF-8"`)
			http.Error(w, "unauthorized: "+err.Error(), http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// adminToken reads the token of an admin request.
func adminToken(r *http.Request) (string, error) {
	q := r.URL.Query()
	for _, k := range []string{"token", "secret", "access_token"} {
		if q.Has(k) {
			return "", errors.New("tokens are accepted only in the Authorization header")
		}
	}
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case !ok || cred == "":
	case strings.EqualFold(scheme, "Bearer"):
		return cred, nil
	case strings.EqualFold(scheme, "Basic"):
		b, err := base64.StdEncoding.DecodeString(cred)
		if _, pass, ok := strings.Cut(string(b), ":"); err == nil && ok && pass != "" {
			return pass, nil
		}
	}
	return "", errors.New("want Authorization: Bearer <token>, or Basic with the token as password")
}

// serveHealth is /_gox/health, for load balancers: 200 {"status":"ok"}
// while the store works, 503 {"status":"degraded"} while it fails (its
// writes fail, it cannot be reached, the site runs without a cache). It
// asks the store only what its own calls have seen: no I/O, so a flood
// of health checks costs the store nothing. Why the store fails is in the
// logs and the metrics, not in this public answer.
func (a *App) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "application/json")
	body, code := `{"status":"ok"}`+"\n", http.StatusOK
	if hr, ok := a.cfg.Store.(cache.HealthReporter); ok && hr.Health() != nil {
		body, code = `{"status":"degraded"}`+"\n", http.StatusServiceUnavailable
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
