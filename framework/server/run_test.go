package server_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
