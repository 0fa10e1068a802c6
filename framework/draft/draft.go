// Package draft implements draft mode: editors open
// /_gox/draft?token=SECRET&redirect=/path and from then on see pages
// rendered fresh, uncached, until /_gox/draft/disable. The cookie is an
// HMAC-signed expiry; the draft secret is not the revalidation token.
//
// Example:
//
//	cfg := draft.Config{Secret: os.Getenv("GOX_DRAFT_SECRET")}
//	if draft.Active(r, cfg) { /* render fresh */ }
package draft

import (
	"net/http"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/internal/httperr"
	"github.com/goxweb/gox/internal/signed"
)

// CookieName is the draft-mode cookie.
const CookieName = "__gox_draft"

// Config configures draft mode.
type Config struct {
	// Secret enables draft mode; empty disables it (404).
	Secret string
	// TTL is how long draft mode lasts (default 1 h).
	TTL time.Duration
	// Secure reports whether the cookie set in answer to a request must be
	// Secure (sent back over https only), as when the site is https behind
	// a proxy. Nil: when the request came over TLS.
	Secure func(*http.Request) bool
}

func (c Config) secure(r *http.Request) bool {
	if c.Secure != nil {
		return c.Secure(r)
	}
	return r.TLS != nil
}

// Errors of Enable and Disable, with their HTTP status; messages never
// hold the secret.
var (
	ErrDisabled = httperr.New(http.StatusNotFound, "not found")
	ErrToken    = httperr.New(http.StatusUnauthorized, "wrong draft token")
	ErrRedirect = httperr.New(http.StatusBadRequest, "redirect must be a path on this site, like /posts/1")
)

// key derives the cookie signing key, so the secret itself never signs.
func (c Config) key() signed.Key { return signed.DeriveKey(c.Secret, "gox draft cookie v2") }

func (c Config) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return time.Hour
}

// Enable checks the token query parameter and sets the draft cookie, then
// redirects (307) to the redirect parameter.
func Enable(w http.ResponseWriter, r *http.Request, cfg Config) error {
	if cfg.Secret == "" {
		return ErrDisabled
	}
	q := r.URL.Query()
	if !revalidate.Equal(q.Get("token"), cfg.Secret) {
		return ErrToken
	}
	to, err := localPath(q.Get("redirect"))
	if err != nil {
		return err
	}
	exp := time.Now().Add(cfg.ttl())
	http.SetCookie(w, signed.Cookie(CookieName, cfg.key().Seal(exp), int(cfg.ttl()/time.Second), cfg.secure(r)))
	SetNoStore(w)
	http.Redirect(w, r, to, http.StatusTemporaryRedirect)
	return nil
}

// Disable clears the cookie and redirects to the redirect parameter or /.
func Disable(w http.ResponseWriter, r *http.Request, cfg Config) error {
	if cfg.Secret == "" {
		return ErrDisabled
	}
	to, err := localPath(r.URL.Query().Get("redirect"))
	if err != nil {
		return err
	}
	http.SetCookie(w, signed.Cookie(CookieName, "", -1, cfg.secure(r)))
	SetNoStore(w)
	http.Redirect(w, r, to, http.StatusTemporaryRedirect)
	return nil
}

// Active reports whether r carries a valid, unexpired draft cookie.
func Active(r *http.Request, cfg Config) bool {
	if cfg.Secret == "" {
		return false
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return false
	}
	exp, ok := cfg.key().Open(c.Value)
	return ok && time.Now().Before(exp)
}

// SetNoStore marks a response private and never stored: draft pages are
// for one editor.
func SetNoStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "private, no-store") }

// localPath accepts only paths on this site, so the redirect can never
// send an editor elsewhere.
func localPath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\\\r\n\t") {
		return "", ErrRedirect
	}
	return p, nil
}
