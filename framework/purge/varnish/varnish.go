// Package varnish purges pages from a Varnish cache by surrogate key,
// through the xkey module of varnish-modules: a PURGE request carrying the
// keys in an xkey-softpurge header (a revalidation: Varnish keeps serving
// the objects in grace while it refetches) or an xkey-purge header (an
// expiry), which the VCL in gox's docs/deploy.md hands to xkey.softpurge
// and xkey.purge. Each Varnish server is a Purger of its own, so one that
// is down delays no other.
//
// Example:
//
//	p := &varnish.Purger{URL: "http://10.0.0.5:6081"}
//	err := p.Purge(ctx, []string{"product-1"}, true)
package varnish

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/goxweb/gox/framework/purge"
)

// maxKeys keeps the purge header under Varnish's default 8 KB header line
// (http_req_hdr_len): gox's keys are at most 64 bytes.
const maxKeys = 100

// Purger purges one Varnish server.
type Purger struct {
	// URL is the server's base URL, e.g. "http://10.0.0.5:6081".
	URL string
	// Client sends the requests (default http.DefaultClient).
	Client *http.Client
}

var _ purge.Purger = (*Purger)(nil)

// Name is "varnish" and the server's host and port.
func (p *Purger) Name() string {
	if u, err := url.Parse(p.URL); err == nil && u.Host != "" {
		return "varnish " + u.Host
	}
	return "varnish"
}

// MaxKeys is 100.
func (p *Purger) MaxKeys() int { return maxKeys }

// Purge sends PURGE / with the keys, space-separated, in xkey-softpurge
// (soft) or xkey-purge.
func (p *Purger) Purge(ctx context.Context, keys []string, soft bool) error {
	req, err := http.NewRequestWithContext(ctx, "PURGE", strings.TrimSuffix(p.URL, "/")+"/", nil)
	if err != nil {
		return fmt.Errorf("varnish purge: %w", err)
	}
	header := "xkey-purge"
	if soft {
		header = "xkey-softpurge"
	}
	req.Header.Set(header, strings.Join(keys, " "))
	return purge.Send(p.Name(), p.Client, req, nil)
}
