// Package webhook verifies HMAC-SHA256 signed webhook bodies in GitHub's
// format (X-Hub-Signature-256: sha256=<hex>), so a webhook route can
// revalidate only on requests its sender signed.
//
// Example:
//
//	body, err := webhook.ReadVerified(r, secret, 1<<20)
//	if err != nil {
//		return echo.NewHTTPError(httperr.StatusCode(err), err.Error())
//	}
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/goxweb/gox/internal/httperr"
)

// SignatureHeader is where senders put the signature.
const SignatureHeader = "X-Hub-Signature-256"

// Errors of verification, each with its HTTP status.
var (
	ErrNoSecret  = httperr.New(http.StatusInternalServerError, "webhook: no secret configured; refusing unsigned delivery")
	ErrMalformed = httperr.New(http.StatusUnauthorized, "webhook: malformed signature header; want sha256=<64 hex digits>")
	ErrMismatch  = httperr.New(http.StatusUnauthorized, "webhook: signature does not match the body")
	ErrTooLarge  = httperr.New(http.StatusRequestEntityTooLarge, "webhook: body too large")
	ErrRead      = httperr.New(http.StatusBadRequest, "webhook: reading the body")
)

// Sign returns the header value a sender puts on body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks header against the HMAC-SHA256 of body, in
// constant time.
func VerifySignature(secret, body []byte, header string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrMalformed
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrMalformed
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrMismatch
	}
	return nil
}

// ReadVerified reads r's body (at most maxBytes) and verifies its signature.
func ReadVerified(r *http.Request, secret []byte, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return nil, ErrRead.Wrap(err)
	}
	if int64(len(body)) > maxBytes {
		return nil, ErrTooLarge
	}
	if err := VerifySignature(secret, body, r.Header.Get(SignatureHeader)); err != nil {
		return nil, err
	}
	return body, nil
}
