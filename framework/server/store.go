package server

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/none"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
)

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
