package action

import (
	"net/http"
	"net/netip"
	"strings"
)

// IsHTTPS reports whether r reached the site over https: on a TLS
// connection, or through a trusted proxy whose X-Forwarded-Proto says
// https. From any other peer the header is ignored, as in CheckOrigin.
func IsHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	return strings.HasPrefix(requestOrigin(r, trusted), "https://")
}

// ClientAddr returns the address of the client that sent r: the peer, or,
// when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not a trusted proxy (the ones before it are the
// client's own word). The zero Addr when none can be parsed.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if !fromTrusted(r.RemoteAddr, trusted) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr
		}
		addr = a.Unmap()
		if !trustedAddr(addr, trusted) {
			return addr
		}
	}
	return addr
}

func trustedAddr(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
