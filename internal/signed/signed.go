// Package signed seals a time, or a few bytes, into a short cookie value
// with HMAC-SHA256, so a client can carry it but not forge or alter it.
// gox's draft-mode cookie (an expiry) and read-your-writes cookie (a write
// time and what it touched) both use it.
package signed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// macLen is the length of the truncated MAC: 128 bits.
const macLen = 16

// sealedLen is the decoded length of a sealed value: the time and its MAC.
const sealedLen = 8 + macLen

// Key signs and verifies sealed times.
type Key struct{ k []byte }

// NewKey returns a random key: values it seals verify only in this process.
func NewKey() Key {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return Key{k}
}

// DeriveKey returns the key for purpose derived from secret, so that the
// secret itself never signs and one secret can serve several purposes
// without their values verifying for each other.
func DeriveKey(secret, purpose string) Key {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return Key{m.Sum(nil)}
}

func (k Key) mac(b []byte) []byte {
	m := hmac.New(sha256.New, k.k)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

// Seal returns t (to the nanosecond) and its MAC, base64url-encoded.
func (k Key) Seal(t time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(b[:], k.mac(b[:])...))
}

// Open returns the time v seals, and whether v is exactly what Seal made
// with this key. Decoding is strict, so no two spellings of one value
// verify.
func (k Key) Open(v string) (time.Time, bool) {
	if base64.RawURLEncoding.EncodedLen(sealedLen) != len(v) {
		return time.Time{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(v)
	if err != nil || len(raw) != sealedLen || !hmac.Equal(raw[8:], k.mac(raw[:8])) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8]))), true
}
