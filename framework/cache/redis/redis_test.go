package redis_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/cachetest"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/redis/redistest"
)

var quiet = slog.New(slog.DiscardHandler)

// prefixes gives each store of a test process its own app prefix, so that
// tests share one redis-server without seeing each other's keys.
var prefixes atomic.Int64

// open returns a store on srv under a new prefix (or opts.Prefix), closed
// when t ends.
func open(t testing.TB, srv *redistest.Server, opts redis.Options) *redis.Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = fmt.Sprintf("test%d", prefixes.Add(1))
	}
	if opts.Client == nil {
		opts.Client = srv.Options()
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if opts.OutboxPath == "" {
		opts.OutboxPath = filepath.Join(t.TempDir(), "outbox.db")
	}
	st, err := redis.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	cachetest.RunWith(t, func(t *testing.T) cache.Store { return open(t, srv, redis.Options{}) }, cachetest.Options{
		// Two builds of one app on one Redis: handles of one prefix.
		BuildHandles: func(t *testing.T) func(string) cache.Store {
			prefix := fmt.Sprintf("builds%d", prefixes.Add(1))
			return func(build string) cache.Store {
				return open(t, srv, redis.Options{Prefix: prefix, BuildID: build})
			}
		},
	})
}
