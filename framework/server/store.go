package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/none"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/internal/wire"
)

// openRedis opens the Redis store GOX_CACHE names (redis://, rediss://,
// unix://) behind the memory tier. It does not connect: an unreachable
// Redis never delays the start. The key prefix is the URL's prefix=NAME,
// else the app's name (see appName); GOX_REDIS_PASSWORD is the password when the URL
// has none; invalidations wait in GOX_REDIS_OUTBOX (default
// .gox/redis-outbox.db) while Redis cannot be reached. The store is
// opened for build, whose pages it keeps apart from other builds'.
func openRedis(raw, build string, memOpts tiered.Options, log *slog.Logger, getenv func(string) string) (cache.Store, error) {
	client, prefix, err := redis.ParseURL(raw, getenv(wire.EnvRedisPassword))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wire.EnvCache, err)
	}
	if prefix == "" {
		prefix = appName()
	}
	st, err := redis.Open(redis.Options{Client: client, Prefix: prefix, BuildID: build, Logger: log,
		OutboxPath: envOr(getenv, wire.EnvRedisOutbox, wire.DefaultRedisOutbox)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wire.EnvCache, err)
	}
	store, err := tiered.New(st, memOpts)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open cache: %w", err)
	}
	return store, nil
}

// openStore opens the SQLite cache at path behind its memory tier. A file
// or folder that cannot be written does not stop the site: it serves
// uncached, from a store that keeps nothing, and says so once at WARN. (A
// damaged file is set aside by sqlite.Open itself.)
func openStore(path string, opts sqlite.Options, memOpts tiered.Options, log *slog.Logger) (cache.Store, error) {
	file, err := sqlite.Open(path, opts)
	if errors.Is(err, sqlite.ErrUnwritable) {
		log.Warn("gox cache: the cache file cannot be written; serving uncached, every request renders",
			"path", path, "err", err,
			"hint", "make the folder and the file writable by this process, then restart")
		return none.New(fmt.Sprintf("%s cannot be written: %v", path, err)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w\nhint: is another program holding the file?", path, err)
	}
	store, err := tiered.New(file, memOpts)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	return store, nil
}

// appName names the app on a shared Redis: from the main package's import
// path, which stays the same whatever the binary is called; from the
// binary's name for a program built from files (go run main.go).
func appName() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" && bi.Path != "command-line-arguments" {
		return wire.RedisPrefix(bi.Path)
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
}
