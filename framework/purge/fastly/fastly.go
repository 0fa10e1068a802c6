// Package fastly purges pages from Fastly by surrogate key: the keys gox
// sends in Surrogate-Key (GOX_CDN_KEYS=surrogate), soft-purged for a
// revalidation (Fastly marks them stale and serves them while it
// refetches) and purged outright for an expiry.
//
// Example:
//
//	p := &fastly.Purger{ServiceID: os.Getenv("GOX_PURGE_FASTLY_SERVICE"), Token: os.Getenv("GOX_PURGE_FASTLY_TOKEN")}
//	err := p.Purge(ctx, []string{"product-1"}, true)
package fastly

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/goxweb/gox/framework/purge"
)

// DefaultEndpoint is Fastly's API.
const DefaultEndpoint = "https://api.fastly.com"

// maxKeys is how many keys Fastly takes in one purge call.
const maxKeys = 256

// Purger purges one Fastly service by surrogate key.
type Purger struct {
	// ServiceID is the service whose cache is purged.
	ServiceID string
	// Token is an API token with purge rights; it is sent in the
	// Fastly-Key header and never logged.
	Token string
	// Endpoint is the API's base URL (default DefaultEndpoint).
	Endpoint string
	// Client sends the calls (default http.DefaultClient).
	Client *http.Client
}

var _ purge.Purger = (*Purger)(nil)

// Name is "fastly".
func (p *Purger) Name() string { return "fastly" }

// MaxKeys is 256, Fastly's bound per call.
func (p *Purger) MaxKeys() int { return maxKeys }

// Purge sends POST /service/{id}/purge with the keys in Surrogate-Key,
// and Fastly-Soft-Purge: 1 when soft.
func (p *Purger) Purge(ctx context.Context, keys []string, soft bool) error {
	endpoint := p.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	u := strings.TrimSuffix(endpoint, "/") + "/service/" + url.PathEscape(p.ServiceID) + "/purge"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("fastly purge: %w", err)
	}
	req.Header.Set("Fastly-Key", p.Token)
	req.Header.Set("Surrogate-Key", strings.Join(keys, " "))
	req.Header.Set("Accept", "application/json")
	if soft {
		req.Header.Set("Fastly-Soft-Purge", "1")
	}
	return purge.Send(p.Name(), p.Client, req, nil)
}
