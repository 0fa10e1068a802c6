// Package purge tells CDNs to drop the pages an invalidation covers. A
// Purger speaks one CDN's purge API (subpackages fastly, cloudflare and
// varnish); a Queue sends purges to each of its purgers from goroutines of
// its own, so a purge never blocks the request or the invalidation that
// asked for it: it coalesces the keys queued meanwhile into as few API
// calls as the CDN allows, retries failures with backoff, drops and counts
// what does not fit its bound, and logs failures at most once every few
// seconds per CDN.
//
// The keys are the purge keys the CDN learned from the pages' Surrogate-Key
// or Cache-Tag headers (httpcache.PurgeKeys makes them from paths and
// tags); this package knows nothing of pages.
//
// Example:
//
//	q := purge.NewQueue([]purge.Purger{&fastly.Purger{ServiceID: id, Token: token}}, purge.Options{})
//	defer q.Close()
//	q.Add([]string{"product-1"}, true) // soft: the CDN may serve it stale while it refetches
package purge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Purger purges keys from one CDN. A Queue calls Purge from one goroutine
// per Purger, never concurrently with itself, with at most MaxKeys keys.
type Purger interface {
	// Name names the CDN in logs and metrics ("fastly", "cloudflare",
	// "varnish 10.0.0.5:6081"); it holds no secret.
	Name() string
	// MaxKeys is how many keys one call may carry.
	MaxKeys() int
	// Purge drops the objects carrying any of keys. soft asks the CDN to
	// mark them stale rather than remove them, where it can: it then
	// serves them while it refetches, as gox serves a revalidated page.
	// An error that is a *StatusError with a 4xx code other than 408 and
	// 429 is not retried.
	Purge(ctx context.Context, keys []string, soft bool) error
}

// StatusError is a purge API's answer with an unexpected HTTP status.
type StatusError struct {
	CDN  string
	Code int
	// RetryAfter is the wait the answer asked for (429, 503), or 0.
	RetryAfter time.Duration
	// Body is the start of the answer, at most 200 bytes.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s purge: HTTP %d: %s", e.CDN, e.Code, e.Body)
}

// permanent reports whether err will fail again however often it is
// retried: the request itself is wrong (a bad token, an unknown service).
func permanent(err error) bool {
	se, ok := errors.AsType[*StatusError](err)
	return ok && se.Code >= 400 && se.Code < 500 && se.Code != http.StatusRequestTimeout && se.Code != http.StatusTooManyRequests
}

// maxBody bounds what is read of an API's answer.
const maxBody = 64 << 10

// Send sends a purge request for cdn with client (http.DefaultClient when
// nil) and closes the answer. An answer other than 200 is CheckResponse's
// error; a 200's body goes to read, when not nil.
func Send(cdn string, client *http.Client, req *http.Request, read func(body io.Reader) error) error {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s purge: %w", cdn, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || read == nil {
		return CheckResponse(cdn, resp, http.StatusOK)
	}
	return read(io.LimitReader(resp.Body, maxBody))
}

// CheckResponse returns nil when resp has status want, else a
// *StatusError for cdn carrying the start of its body and its Retry-After.
// It reads (a bounded part of) the body either way; the caller closes it.
func CheckResponse(cdn string, resp *http.Response, want int) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode == want {
		return nil
	}
	se := &StatusError{CDN: cdn, Code: resp.StatusCode, Body: printable(body, 200)}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		se.RetryAfter = time.Duration(min(s, 3600)) * time.Second
	}
	return se
}

// printable returns at most n bytes of b with anything but printable ASCII
// replaced, so an answer cannot forge log lines.
func printable(b []byte, n int) string {
	b = b[:min(len(b), n)]
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
