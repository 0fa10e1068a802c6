// Package webhook verifies HMAC-SHA256 signed webhook bodies in GitHub's
// format (X-Hub-Signature-256: sha256=<hex>), so a webhook route can
// revalidate only on requests its sender signed.
//
// Example:
//
//	body, err := webhook.ReadVerified(r, secret, 1<<20)
//	if err != nil {
//		return echo.NewHTTPError(webhook.StatusCode(err), err.Error())
//	}
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
)

// SignatureHeader is where senders put the signature.
const SignatureHeader = "X-Hub-Signature-256"

// Errors of verification.
var (
	ErrNoSecret  = errors.New("webhook: no secret configured; refusing unsigned delivery")
	ErrMalformed = errors.New("webhook: malformed signature header; want sha256=<64 hex digits>")
	ErrMismatch  = errors.New("webhook: signature does not match the body")
	ErrTooLarge  = errors.New("webhook: body too large")
)

// StatusCode returns the HTTP status of a verification error.
func StatusCode(err error) int {
	switch {
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrNoSecret):
		return http.StatusInternalServerError
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrMismatch):
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

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
		return nil, err
	}
	if int64(len(body)) > maxBytes {
		return nil, ErrTooLarge
	}
	if err := VerifySignature(secret, body, r.Header.Get(SignatureHeader)); err != nil {
		return nil, err
	}
	return body, nil
}
