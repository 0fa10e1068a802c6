package gox

import (
	"net/http"

	"github.com/goxweb/gox/framework/webhook"
)

// SignatureHeader is the header of a signed webhook delivery, in GitHub's
// format: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>.
const SignatureHeader = webhook.SignatureHeader

// VerifySignature checks a webhook body's HMAC-SHA256 signature header in
// constant time. An empty secret never verifies.
func VerifySignature(secret, body []byte, header string) error {
	return webhook.VerifySignature(secret, body, header)
}

// ReadSignedBody reads a webhook request's body (at most maxBytes) and
// verifies its SignatureHeader. Its errors carry their HTTP status (401 for
// a bad signature, 413 for a body too large): see StatusCode.
func ReadSignedBody(r *http.Request, secret []byte, maxBytes int64) ([]byte, error) {
	return webhook.ReadVerified(r, secret, maxBytes)
}
