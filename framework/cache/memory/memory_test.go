package memory_test

import (
	"testing"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/cachetest"
	"github.com/goxweb/gox/framework/cache/memory"
)

func TestConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Store {
		st := memory.New()
		t.Cleanup(func() { st.Close() })
		return st
	})
}
