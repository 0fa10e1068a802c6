package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/cachetest"
)

// open opens a store in a new file under t's temporary directory.
func open(t *testing.T, opts Options) *Store {
	t.Helper()
	if opts.PollInterval == 0 {
		opts.PollInterval = 10 * time.Millisecond
	}
	st, err := Open(filepath.Join(t.TempDir(), "cache.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	cachetest.RunWith(t, func(t *testing.T) cache.Store { return open(t, Options{}) }, cachetest.Options{
		BuildHandles: func(t *testing.T) func(string) cache.Store {
			path := filepath.Join(t.TempDir(), "cache.db")
			return func(build string) cache.Store {
				st, err := Open(path, Options{BuildID: build, PollInterval: 10 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		},
	})
}

// TestOptionsDefaults checks the bounds a store gets: run.go passes unset
// GOX_CACHE_* variables as 0, so the first row is a server's default.
func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	type bounds struct {
		entries, entriesPerRoute int
		bytes, bytesPerRoute     int64
	}
	tests := []struct {
		name string
		opts Options
		want bounds
	}{
		{"zero", Options{}, bounds{100_000, 50_000, 1 << 30, 1 << 29}},
		{"no bound", Options{MaxEntries: -1, MaxBytes: -1}, bounds{-1, -1, -1, -1}},
		{"route follows the store", Options{MaxEntries: 10, MaxBytes: 1000}, bounds{10, 5, 1000, 500}},
		{"tiny store", Options{MaxEntries: 1, MaxBytes: 1}, bounds{1, 1, 1, 1}},
		{"route set", Options{MaxEntriesPerRoute: 7, MaxBytesPerRoute: -1}, bounds{100_000, 7, 1 << 30, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts.withDefaults()
			got := bounds{o.MaxEntries, o.MaxEntriesPerRoute, o.MaxBytes, o.MaxBytesPerRoute}
			if got != tt.want {
				t.Errorf("withDefaults(%+v) = %+v, want %+v", tt.opts, got, tt.want)
			}
		})
	}
}
