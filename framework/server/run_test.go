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
