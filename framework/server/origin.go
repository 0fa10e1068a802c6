package server

import (
	"fmt"
	"net/url"

	"github.com/goxweb/gox/internal/wire"
)

// checkOrigin refuses a GOX_ORIGIN that is not an origin: without a
// scheme, every action's Origin check would fail (403), and a path or
// query would end up in every canonical URL.
func checkOrigin(origin string) error {
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	ok := err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil &&
		u.Path == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && u.Opaque == ""
	if ok {
		return nil
	}
	return fmt.Errorf("%s: %q is not an origin (a scheme and a host, nothing after)\nhint: write it as the site is reached, e.g. %s=https://shop.example",
		wire.EnvOrigin, origin, wire.EnvOrigin)
}
