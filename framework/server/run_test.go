package server_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// TestMainRefusesBadCacheBounds: a mistyped bound must not silently become
// the default (or no bound at all).
func TestMainRefusesBadCacheBounds(t *testing.T) {
	tests := []struct{ name, value string }{
		{"GOX_CACHE_MAX_ENTRIES", "lots"},
		{"GOX_CACHE_MAX_BYTES", "1.5"},
		{"GOX_CACHE_MAX_ENTRIES_PER_ROUTE", "-2"},
		{"GOX_CACHE_MAX_BYTES_PER_ROUTE", "1GiB"},
		{"GOX_CACHE_MAX_NOT_FOUND_PER_ROUTE", "a tenth"},
		{"GOX_CACHE_MEMORY_BYTES", "99999999999999999999"},
		{"GOX_CACHE_BUILD_RETENTION", "forever"},
		{"GOX_CACHE_BUILD_RETENTION", "24"},
		{"GOX_CACHE_BUILD_RETENTION", "0s"},
		{"GOX_CACHE_BUILD_RETENTION", "-2h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "cache.db")
			t.Setenv("GOX_CACHE", db)
			t.Setenv(tt.name, tt.value)
			var stdout, stderr bytes.Buffer
			code := server.Main(context.Background(), page.Routes{}, nil, &stdout, &stderr)
			if code != 64 || !strings.Contains(stderr.String(), tt.name) || !strings.Contains(stderr.String(), "hint:") {
				t.Fatalf("exit %d, stderr %q; want 64 naming %s with a hint", code, stderr.String(), tt.name)
			}
		})
	}
}

// TestStoreOptionsBuildRetention: the retention of old builds' pages reads
// as a duration, -1 keeps them, unset takes sqlite's default.
func TestStoreOptionsBuildRetention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  time.Duration
	}{{"", 0}, {"24h", 24 * time.Hour}, {"90m", 90 * time.Minute}, {"-1", -1}}
	for _, tt := range tests {
		o, _, err := server.StoreOptionsFromEnv(func(name string) string {
			if name == "GOX_CACHE_BUILD_RETENTION" {
				return tt.value
			}
			return ""
		})
		if err != nil || o.BuildRetention != tt.want {
			t.Errorf("GOX_CACHE_BUILD_RETENTION=%q: retention %v, %v; want %v", tt.value, o.BuildRetention, err, tt.want)
		}
	}
}

// TestMainLogSettings: GOX_LOG and GOX_LOG_LEVEL are checked like the
// other variables, and debug shows each render, which info leaves out.
func TestMainLogSettings(t *testing.T) {
	for _, tt := range []struct{ name, value string }{
		{"GOX_LOG_LEVEL", "loud"},
		{"GOX_LOG_LEVEL", "2"},
		{"GOX_LOG", "xml"},
	} {
		t.Run("refused "+tt.name+"="+tt.value, func(t *testing.T) {
			t.Setenv("GOX_CACHE", filepath.Join(t.TempDir(), "cache.db"))
			t.Setenv(tt.name, tt.value)
			var stdout, stderr bytes.Buffer
			code := server.Main(context.Background(), page.Routes{}, nil, &stdout, &stderr)
			if code != 64 || !strings.Contains(stderr.String(), tt.name) || !strings.Contains(stderr.String(), "hint:") {
				t.Fatalf("exit %d, stderr %q; want 64 naming %s with a hint", code, stderr.String(), tt.name)
			}
		})
	}
	for _, tt := range []struct {
		level        string
		wantRendered bool
	}{{"debug", true}, {"", false}, {"WARN", false}} {
		t.Run("level "+tt.level, func(t *testing.T) {
			t.Setenv("GOX_CACHE", filepath.Join(t.TempDir(), "cache.db"))
			t.Setenv("GOX_LOG", "json")
			t.Setenv("GOX_LOG_LEVEL", tt.level)
			var stdout, stderr bytes.Buffer
			code := server.Main(context.Background(), testapp.New().Routes(), []string{"prerender", "--keep-going"}, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("prerender: exit %d\n%s", code, stderr.String())
			}
			if got := strings.Contains(stderr.String(), `"msg":"isr rendered"`); got != tt.wantRendered {
				t.Errorf("GOX_LOG_LEVEL=%q: a render logged = %v, want %v\n%s", tt.level, got, tt.wantRendered, stderr.String())
			}
		})
	}
}
