package signed

import (
	"crypto/hmac"
	"encoding/base64"
)

// bytesDomain starts the MAC input of sealed bytes, so no sealed bytes
// verify as a sealed time of the same key or the other way round.
const bytesDomain = 0x01

// SealBytes returns b and its MAC, base64url-encoded.
func (k Key) SealBytes(b []byte) string {
	out := append(append([]byte(nil), b...), k.bytesMAC(b)...)
	return base64.RawURLEncoding.EncodeToString(out)
}

// OpenBytes returns the bytes v seals, and whether v is exactly what
// SealBytes made with this key from at most maxLen bytes. A longer v is
// refused before it is decoded.
func (k Key) OpenBytes(v string, maxLen int) ([]byte, bool) {
	if len(v) > base64.RawURLEncoding.EncodedLen(maxLen+macLen) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(v)
	if err != nil || len(raw) < macLen {
		return nil, false
	}
	b, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(mac, k.bytesMAC(b)) {
		return nil, false
	}
	return b, true
}

func (k Key) bytesMAC(b []byte) []byte {
	return k.mac(append([]byte{bytesDomain}, b...))
}
