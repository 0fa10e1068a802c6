package action

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// OriginConfig configures CheckOrigin.
type OriginConfig struct {
	// AllowedOrigins may post besides the request's own origin, e.g.
	// "https://admin.example".
	AllowedOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-Host and
	// X-Forwarded-Proto are believed. From anyone else they are ignored.
	TrustedProxies []netip.Prefix
}

// CheckOrigin is the CSRF defence of actions. Cached HTML is shared by
// every visitor, so it cannot carry a per-user token; instead, as in
// Next.js and SvelteKit, a post must come from the page's own origin: the
// Origin header must equal the request's origin (or an allowed one), or,
// where a browser sends no Origin, Sec-Fetch-Site must be same-origin.
// Neither header: refused.
func CheckOrigin(r *http.Request, cfg OriginConfig) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
			return nil
		}
		return ErrForbidden.Wrap(errString("no Origin header and Sec-Fetch-Site is not same-origin"))
	}
	got, ok := parseOrigin(origin)
	if !ok {
		return ErrForbidden.Wrap(errString("malformed Origin"))
	}
	if got == requestOrigin(r, cfg.TrustedProxies) {
		return nil
	}
	for _, a := range cfg.AllowedOrigins {
		if o, ok := parseOrigin(a); ok && o == got {
			return nil
		}
	}
	return ErrForbidden.Wrap(errString("Origin does not match the site"))
}

type errString string

func (e errString) Error() string { return string(e) }

// parseOrigin normalizes "scheme://host[:port]": lowercase, default ports
// dropped. Anything else (null, a path, userinfo, another scheme) fails.
func parseOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", false
	}
	return normalize(u.Scheme, u.Host)
}

func normalize(scheme, host string) (string, bool) {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		h, port = host, ""
	}
	if h == "" || strings.ContainsAny(h, " /\\@") {
		return "", false
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(h, port), true
	}
	if strings.Contains(h, ":") { // IPv6
		return scheme + "://[" + h + "]", true
	}
	return scheme + "://" + h, true
}

// requestOrigin is the origin the request was sent to. Forwarded headers
// count only from trusted proxies: otherwise a client could claim any
// origin and pass the check.
func requestOrigin(r *http.Request, trusted []netip.Prefix) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if fromTrusted(r.RemoteAddr, trusted) {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host, _, _ = strings.Cut(h, ",")
			host = strings.TrimSpace(host)
		}
	}
	o, _ := normalize(scheme, host)
	return o
}

func fromTrusted(remote string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}
