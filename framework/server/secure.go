package server

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/goxweb/gox/framework/action"
)

// secureRequest reports whether cookies set in answer to r must be
// Secure: the site is https by its canonical Origin, or r came over TLS,
// or through a trusted proxy that says X-Forwarded-Proto: https. A
// Secure cookie is never sent back over plain http, where anyone on the
// path could read it.
func (a *App) secureRequest(r *http.Request) bool {
	return strings.HasPrefix(a.cfg.Origin, "https://") || action.IsHTTPS(r, a.cfg.TrustedProxies)
}

// clientAddr is the address r's client is known by, behind trusted
// proxies too.
func (a *App) clientAddr(r *http.Request) netip.Addr {
	return action.ClientAddr(r, a.cfg.TrustedProxies)
}
