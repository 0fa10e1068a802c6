package redis_test

import (
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/cache/redis"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, password string
		wantAddr, wantPass  string
		wantDB              int
		wantPrefix          string
		wantTLS             bool
		wantErr             string
	}{
		{name: "host, port and db", url: "redis://cache.internal:6380/2", wantAddr: "cache.internal:6380", wantDB: 2},
		{name: "TLS", url: "rediss://cache.internal:6380/0", wantAddr: "cache.internal:6380", wantTLS: true},
		{name: "unix socket", url: "unix:///run/redis.sock?db=3", wantAddr: "/run/redis.sock", wantDB: 3},
		{name: "prefix", url: "redis://h:1/0?prefix=shop&dial_timeout=2s", wantAddr: "h:1", wantPrefix: "shop"},
		{name: "password from the environment", url: "redis://h:1/0", password: "s3cret", wantAddr: "h:1", wantPass: "s3cret"},
		{name: "the URL's password wins", url: "redis://:inurl@h:1/0", password: "s3cret", wantAddr: "h:1", wantPass: "inurl"},
		{name: "not a URL", url: "redis://%zz", password: "s3cret", wantErr: "not a URL"},
		{name: "unknown option, password not repeated", url: "redis://:topsecret@h:1/0?colour=red", wantErr: "colour"},
		{name: "bad db", url: "redis://h:1/x", wantErr: "hint"},
		{name: "braces in the prefix", url: "redis://h:1/0?prefix=a{b}", wantErr: "braces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, prefix, err := redis.ParseURL(tt.url, tt.password)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) error = %v, want one saying %q", tt.url, err, tt.wantErr)
				}
				for _, secret := range []string{"topsecret", "s3cret"} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error %q repeats the password", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			if opts.Addr != tt.wantAddr || opts.DB != tt.wantDB || opts.Password != tt.wantPass || prefix != tt.wantPrefix || (opts.TLSConfig != nil) != tt.wantTLS {
				t.Errorf("ParseURL(%q) = addr %q db %d password %q prefix %q TLS %v; want %q %d %q %q %v", tt.url,
					opts.Addr, opts.DB, opts.Password, prefix, opts.TLSConfig != nil,
					tt.wantAddr, tt.wantDB, tt.wantPass, tt.wantPrefix, tt.wantTLS)
			}
		})
	}
}

func TestIsURL(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"redis://h:6379/0": true, "REDISS://h:6380/0": true, "unix:///run/redis.sock": true,
		".gox/cache.db": false, "/var/cache/gox.db": false, "redis": false, "": false,
	} {
		if got := redis.IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}
