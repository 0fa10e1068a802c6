package gox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"time"
)

// rywCookie tells gox that this browser just changed data at a given time,
// so its next page loads wait for renders newer than that: it reads its
// own write while other visitors keep getting the stale page at once.
const rywCookie = "__gox_ryw"

// rywWindow is how long a write is remembered; the eager regeneration has
// long landed by then.
const rywWindow = 30 * time.Second

// rywSigner signs the cookie, so a client cannot claim a write it did not
// make and force a render on every request. The key is per process: on
// another instance the cookie is ignored and the visitor sees the page
// as everyone does.
type rywSigner struct{ key []byte }

func newRYWSigner() rywSigner {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return rywSigner{key: k}
}

func (s rywSigner) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (s rywSigner) cookie(at time.Time, secure bool) *http.Cookie {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(at.UnixNano()))
	return &http.Cookie{
		Name: rywCookie, Value: base64.RawURLEncoding.EncodeToString(append(b[:], s.mac(b[:])...)),
		Path: "/", MaxAge: int(rywWindow / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// notBefore returns the write time the request's cookie proves, or zero.
func (s rywSigner) notBefore(r *http.Request) time.Time {
	// Most requests carry no such cookie: check before parsing cookies.
	if !strings.Contains(r.Header.Get("Cookie"), rywCookie+"=") {
		return time.Time{}
	}
	c, err := r.Cookie(rywCookie)
	if err != nil {
		return time.Time{}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c.Value)
	if err != nil || len(raw) != 24 || !hmac.Equal(raw[8:], s.mac(raw[:8])) {
		return time.Time{}
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	if now := time.Now(); at.After(now) || now.Sub(at) > rywWindow {
		return time.Time{}
	}
	return at
}
