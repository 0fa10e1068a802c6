package signed_test

import (
	"testing"
	"time"

	"github.com/goxweb/gox/internal/signed"
)

func TestSealOpenBytes(t *testing.T) {
	t.Parallel()
	k := signed.NewKey()
	payload := []byte("tags and paths")
	v := k.SealBytes(payload)
	if got, ok := k.OpenBytes(v, 64); !ok || string(got) != string(payload) {
		t.Fatalf("OpenBytes(SealBytes(b)) = %q, %v", got, ok)
	}
	tests := []struct {
		name   string
		v      string
		maxLen int
	}{
		{"another key", signed.NewKey().SealBytes(payload), 64},
		{"over maxLen", v, len(payload) - 1},
		{"truncated", v[:len(v)-1], 64},
		{"empty", "", 64},
		{"a sealed time", k.Seal(time.Now()), 64},
		{"flipped", "A" + v[1:], 64},
	}
	if v[0] == 'A' {
		tests[len(tests)-1].v = "B" + v[1:]
	}
	for _, tt := range tests {
		if _, ok := k.OpenBytes(tt.v, tt.maxLen); ok {
			t.Errorf("%s: OpenBytes(%q) verified", tt.name, tt.v)
		}
	}
	if _, ok := k.Open(k.SealBytes(make([]byte, 8))); ok {
		t.Error("8 sealed bytes verify as a sealed time")
	}
}
