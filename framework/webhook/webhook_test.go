package webhook_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/webhook"
	"github.com/goxweb/gox/internal/httperr"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	secret, body := []byte("hook-secret"), []byte(`{"action":"opened"}`)
	good := webhook.Sign(secret, body)
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   int
	}{
		{"good", secret, body, good, 0},
		{"tampered body", secret, []byte(`{"action":"closed"}`), good, 401},
		{"other secret", []byte("x"), body, good, 401},
		{"missing prefix", secret, body, strings.TrimPrefix(good, "sha256="), 401},
		{"sha1 prefix", secret, body, "sha1=" + strings.TrimPrefix(good, "sha256="), 401},
		{"bad hex", secret, body, "sha256=" + strings.Repeat("z", 64), 401},
		{"short", secret, body, "sha256=abcd", 401},
		{"empty header", secret, body, "", 401},
		{"no secret", nil, body, good, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.VerifySignature(tt.secret, tt.body, tt.header)
			got := 0
			if err != nil {
				got = httperr.StatusCode(err)
			}
			if got != tt.want {
				t.Fatalf("VerifySignature = %v (%d), want %d", err, got, tt.want)
			}
		})
	}
}

func TestReadVerified(t *testing.T) {
	t.Parallel()
	secret := []byte("hook-secret")
	for _, size := range []int{10, 2000} {
		body := strings.Repeat("x", size)
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, []byte(body)))
		got, err := webhook.ReadVerified(r, secret, 1024)
		switch {
		case size <= 1024 && (err != nil || string(got) != body):
			t.Fatalf("size %d: %v", size, err)
		case size > 1024 && httperr.StatusCode(err) != 413:
			t.Fatalf("size %d: %v, want 413", size, err)
		}
	}
}

func ExampleSign() {
	fmt.Println(webhook.Sign([]byte("secret"), []byte("hello"))[:15])
	// Output: sha256=88aab3ed
}
