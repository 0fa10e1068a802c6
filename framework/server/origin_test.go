package server_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestConfigFromEnvOriginAndAccessLog: GOX_ORIGIN must be an origin, a
// scheme and a host; GOX_ACCESS_LOG is 0 or 1.
func TestConfigFromEnvOriginAndAccessLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env        map[string]string
		wantOrigin string
		wantLog    bool
		wantErr    string
	}{
		{map[string]string{"GOX_ORIGIN": "https://shop.example"}, "https://shop.example", false, ""},
		{map[string]string{"GOX_ORIGIN": "https://shop.example/"}, "https://shop.example", false, ""},
		{map[string]string{"GOX_ORIGIN": "http://127.0.0.1:3000"}, "http://127.0.0.1:3000", false, ""},
		{map[string]string{"GOX_ORIGIN": "shop.example"}, "", false, `GOX_ORIGIN: "shop.example" is not an origin`},
		{map[string]string{"GOX_ORIGIN": "shop.example:443"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "https://shop.example/store"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "https://shop.example?x=1"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "https://user@shop.example"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "ftp://shop.example"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "https://"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ORIGIN": "https://shop.example\n"}, "", false, "is not an origin"},
		{map[string]string{"GOX_ACCESS_LOG": "1"}, "", true, ""},
		{map[string]string{"GOX_ACCESS_LOG": "0"}, "", false, ""},
		{map[string]string{"GOX_ACCESS_LOG": "yes"}, "", false, `GOX_ACCESS_LOG: "yes" is not 0 or 1`},
	}
	for _, tt := range tests {
		cfg, err := server.ConfigFromEnv(func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "\nhint: ") {
				t.Errorf("%v: err = %v, want %q with a hint", tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || cfg.Origin != tt.wantOrigin || cfg.AccessLog != tt.wantLog {
			t.Errorf("%v: origin %q, access log %v, err %v; want %q, %v", tt.env, cfg.Origin, cfg.AccessLog, err, tt.wantOrigin, tt.wantLog)
		}
	}
}

// TestMainRefusesBadOrigin: an app started with a GOX_ORIGIN that is not
// an origin stops at once, exit 64, with the hint, before it listens.
func TestMainRefusesBadOrigin(t *testing.T) {
	for _, origin := range []string{"shop.example", "https://shop.example/store"} {
		t.Run(origin, func(t *testing.T) {
			t.Setenv("GOX_ORIGIN", origin)
			t.Setenv("GOX_CACHE", filepath.Join(t.TempDir(), "cache.db"))
			t.Setenv("PORT", "1") // never reached: nothing listens
			var stdout, stderr bytes.Buffer
			code := server.Main(context.Background(), page.Routes{}, nil, &stdout, &stderr)
			if code != 64 {
				t.Fatalf("exit %d, want 64; stderr %q", code, stderr.String())
			}
			want := "GOX_ORIGIN: \"" + origin + "\" is not an origin (a scheme and a host, nothing after)\nhint: write it as the site is reached, e.g. GOX_ORIGIN=https://shop.example\n"
			if stderr.String() != want {
				t.Errorf("stderr %q\nwant   %q", stderr.String(), want)
			}
		})
	}
}
