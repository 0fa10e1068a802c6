// Package cloudflare purges pages from Cloudflare by cache tag: the keys
// gox sends in Cache-Tag (GOX_CDN_KEYS=cache-tag), through the zone's
// purge_cache API. Cloudflare has no soft purge by tag: a revalidation
// purges as an expiry does, and the next visitor's request reaches gox,
// which answers at once with the page it has.
//
// Example:
//
//	p := &cloudflare.Purger{ZoneID: os.Getenv("GOX_PURGE_CLOUDFLARE_ZONE"), Token: os.Getenv("GOX_PURGE_CLOUDFLARE_TOKEN")}
//	err := p.Purge(ctx, []string{"product-1"}, false)
package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/goxweb/gox/framework/purge"
)

// DefaultEndpoint is Cloudflare's API.
const DefaultEndpoint = "https://api.cloudflare.com/client/v4"

// maxKeys is how many tags Cloudflare takes in one purge call.
const maxKeys = 100

// Purger purges one Cloudflare zone by cache tag.
type Purger struct {
	// ZoneID is the zone whose cache is purged.
	ZoneID string
	// Token is an API token with the Cache Purge permission; it is sent
	// as a bearer token and never logged.
	Token string
	// Endpoint is the API's base URL (default DefaultEndpoint).
	Endpoint string
	// Client sends the calls (default http.DefaultClient).
	Client *http.Client
}

var _ purge.Purger = (*Purger)(nil)

// Name is "cloudflare".
func (p *Purger) Name() string { return "cloudflare" }

// MaxKeys is 100, Cloudflare's bound of tags per call.
func (p *Purger) MaxKeys() int { return maxKeys }

// answer is the part of Cloudflare's JSON envelope a purge reads.
type answer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Purge sends POST /zones/{id}/purge_cache with {"tags": keys}; soft is
// ignored.
func (p *Purger) Purge(ctx context.Context, keys []string, _ bool) error {
	endpoint := p.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	body, err := json.Marshal(struct {
		Tags []string `json:"tags"`
	}{keys})
	if err != nil {
		return fmt.Errorf("cloudflare purge: %w", err)
	}
	u := strings.TrimSuffix(endpoint, "/") + "/zones/" + url.PathEscape(p.ZoneID) + "/purge_cache"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cloudflare purge: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("Content-Type", "application/json")
	return purge.Send(p.Name(), p.Client, req, readAnswer)
}

// readAnswer reads a 200's JSON envelope: Cloudflare reports a refused
// purge there too.
func readAnswer(body io.Reader) error {
	var a answer
	if err := json.NewDecoder(body).Decode(&a); err != nil {
		return fmt.Errorf("cloudflare purge: bad answer: %w", err)
	}
	if !a.Success {
		msg := "success is false"
		if len(a.Errors) > 0 {
			msg = fmt.Sprintf("error %d: %.200s", a.Errors[0].Code, a.Errors[0].Message)
		}
		return fmt.Errorf("cloudflare purge: %s", msg)
	}
	return nil
}
