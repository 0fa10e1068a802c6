package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrUnwritable reports that Open found the cache file, or its folder,
// impossible to write (a read-only file system, a file or folder the
// process may not write). A server then serves uncached rather than not
// at all.
var ErrUnwritable = errors.New("sqlite: the cache file cannot be written")

// sqliteCode returns the primary result code of err, or 0 when err is no
// SQLite error.
func sqliteCode(err error) sqlite3.ErrNo {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// isDamaged reports whether err says the file itself is broken (not a
// database, or a malformed page), as opposed to one bad row, which reads
// return as cache.ErrCorrupt and the next write replaces.
func isDamaged(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.ErrCorrupt || c == sqlite3.ErrNotADB
}

// isUnwritable reports whether err says the file or its folder cannot be
// written at all.
func isUnwritable(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrPerm:
		return true
	}
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// setAside renames the damaged file abs, with its -wal and -shm files, to
// abs.corrupt-<UTC time>, so that a new file can take its place and the
// old one stays for inspection. It returns the new name.
func setAside(abs string, log *slog.Logger, cause error) (string, error) {
	dst := abs + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	if err := os.Rename(abs, dst); err != nil {
		return "", fmt.Errorf("set aside the damaged file: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(abs+suffix, dst+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("set aside the damaged file: %w", err)
		}
	}
	log.Warn("gox cache: the cache file is damaged; it was set aside and a new one started",
		"path", abs, "set_aside", dst, "err", cause)
	return dst, nil
}

// faultLog logs a run of failed writes once, when it starts, and once
// more when writes work again, so that a read-only or full disk costs two
// log lines rather than one per request or per second.
type faultLog struct {
	mu      sync.Mutex
	failing bool
	log     *slog.Logger
	path    string
}

// failed records a failed write; what says what the store does about it.
func (f *faultLog) failed(what string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return
	}
	f.failing = true
	f.log.Warn("gox cache: a write to the cache file failed; pages are served all the same, "+what,
		"path", f.path, "err", err)
}

// ok records a write that landed.
func (f *faultLog) ok() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		f.failing = false
		f.log.Info("gox cache: writes to the cache file work again", "path", f.path)
	}
}
