package draft_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/draft"
	"github.com/goxweb/gox/internal/httperr"
)

var cfg = draft.Config{Secret: "draft-secret"}

func enable(t *testing.T, url string, c draft.Config) (*httptest.ResponseRecorder, error) {
	t.Helper()
	w := httptest.NewRecorder()
	err := draft.Enable(w, httptest.NewRequest(http.MethodGet, url, nil), c)
	return w, err
}

func TestEnableAndActive(t *testing.T) {
	t.Parallel()
	w, err := enable(t, "/_gox/draft?token=draft-secret&redirect=/posts/1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != 307 || w.Header().Get("Location") != "/posts/1" || strings.Contains(w.Header().Get("Location"), "secret") {
		t.Fatalf("redirect %d %q", w.Code, w.Header().Get("Location"))
	}
	if w.Header().Get("Cache-Control") != "private, no-store" {
		t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || strings.Contains(cookies[0].Value, "draft-secret") {
		t.Fatalf("cookie %+v", cookies)
	}
	r := httptest.NewRequest(http.MethodGet, "/posts/1", nil)
	r.AddCookie(cookies[0])
	if !draft.Active(r, cfg) {
		t.Fatal("valid cookie not active")
	}
	if draft.Active(r, draft.Config{Secret: "other"}) {
		t.Fatal("cookie signed with another secret is active")
	}
	raw, err := base64.RawURLEncoding.DecodeString(cookies[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, len(raw) - 1} { // the expiry, the signature
		b := bytes.Clone(raw)
		b[i] ^= 1
		forged := httptest.NewRequest(http.MethodGet, "/", nil)
		forged.AddCookie(&http.Cookie{Name: draft.CookieName, Value: base64.RawURLEncoding.EncodeToString(b)})
		if draft.Active(forged, cfg) {
			t.Fatalf("cookie with byte %d changed is active", i)
		}
	}
	expired, _ := enable(t, "/_gox/draft?token=draft-secret", draft.Config{Secret: "draft-secret", TTL: time.Nanosecond})
	old := httptest.NewRequest(http.MethodGet, "/", nil)
	old.AddCookie(expired.Result().Cookies()[0])
	time.Sleep(1100 * time.Millisecond)
	if draft.Active(old, cfg) {
		t.Fatal("expired cookie active")
	}
}

func TestEnableRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		cfg  draft.Config
		want int
	}{
		{"/_gox/draft?token=draft-secret", draft.Config{}, 404},
		{"/_gox/draft?token=wrong", cfg, 401},
		{"/_gox/draft", cfg, 401},
		{"/_gox/draft?token=draft-secret&redirect=https://evil.test", cfg, 400},
		{"/_gox/draft?token=draft-secret&redirect=//evil.test", cfg, 400},
		{"/_gox/draft?token=draft-secret&redirect=/%5Cevil.test", cfg, 400},
		{"/_gox/draft?token=draft-secret&redirect=javascript:alert(1)", cfg, 400},
	}
	for _, tt := range tests {
		_, err := enable(t, tt.url, tt.cfg)
		if err == nil || httperr.StatusCode(err) != tt.want {
			t.Errorf("Enable(%s) = %v, want status %d", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "draft-secret") {
			t.Errorf("error echoes the secret: %v", err)
		}
	}
}

func TestDisable(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	if err := draft.Disable(w, httptest.NewRequest(http.MethodGet, "/_gox/draft/disable?redirect=/x", nil), cfg); err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()
	if w.Code != 307 || w.Header().Get("Location") != "/x" || len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("disable: %d %q %+v", w.Code, w.Header().Get("Location"), c)
	}
}
