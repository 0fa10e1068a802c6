package signed_test

import (
	"testing"
	"time"

	"github.com/goxweb/gox/internal/signed"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k := signed.NewKey()
	at := time.Unix(1_700_000_000, 123456789)
	v := k.Seal(at)
	got, ok := k.Open(v)
	if !ok || !got.Equal(at) {
		t.Fatalf("Open(Seal(t)) = %v, %v; want %v, true", got, ok, at)
	}
	other := signed.DeriveKey("secret", "a")
	tests := []struct {
		name string
		key  signed.Key
		v    string
	}{
		{"another key", signed.NewKey(), v},
		{"another purpose", signed.DeriveKey("secret", "b"), other.Seal(at)},
		{"empty", k, ""},
		{"truncated", k, v[:len(v)-1]},
		{"longer", k, v + "A"},
		{"padded", k, v + "=="},
		{"not base64", k, "!" + v[1:]},
	}
	for i := range len(v) {
		b := []byte(v)
		b[i] ^= 1
		tests = append(tests, struct {
			name string
			key  signed.Key
			v    string
		}{"flipped byte", k, string(b)})
	}
	for _, tt := range tests {
		if _, ok := tt.key.Open(tt.v); ok {
			t.Errorf("%s: Open(%q) verified", tt.name, tt.v)
		}
	}
}
