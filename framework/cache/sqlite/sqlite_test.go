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
	cachetest.Run(t, func(t *testing.T) cache.Store { return open(t, Options{}) })
}

func TestConformanceWithoutMemoryTier(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Store { return open(t, Options{MemoryBytes: -1}) })
}
