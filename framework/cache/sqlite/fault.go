package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/goxweb/gox/framework/cache"
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
	mu sync.Mutex
	// failing is read without mu by ok, which every commit calls.
	failing atomic.Bool
	log     *slog.Logger
	path    string
}

// failed records a failed write; what says what the store does about it.
func (f *faultLog) failed(what string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing.Load() {
		return
	}
	f.failing.Store(true)
	f.log.Warn("gox cache: a write to the cache file failed; pages are served all the same, "+what,
		"path", f.path, "err", err)
}

// ok records a write that landed.
func (f *faultLog) ok() {
	if !f.failing.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing.Load() {
		f.failing.Store(false)
		f.log.Info("gox cache: writes to the cache file work again", "path", f.path)
	}
}

// errReplacing is what calls get while the store cannot use any file: a
// damaged one was set aside and no new one could be opened.
var errReplacing = errors.New("sqlite: no usable cache file (a damaged one was set aside)")

// enter takes the connections for one call: done gives them back.
func (s *Store) enter() (done func(), err error) {
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return nil, cache.ErrClosed
	}
	if s.write == nil {
		s.mu.RUnlock()
		s.damage(errReplacing) // try again
		return nil, errReplacing
	}
	return s.mu.RUnlock, nil
}

// locked runs a background step with the connections, unless there are
// none (closed, or a replacement that failed).
func (s *Store) locked(ctx context.Context, step func(context.Context) error) error {
	done, err := s.enter()
	if err != nil {
		return nil
	}
	defer done()
	return step(ctx)
}

// damage returns err, first starting the replacement of the file when err
// says the file is damaged ("database disk image is malformed", "not a
// database": a disk fault, or the -wal and -shm files deleted under a
// process that had them open). The caller holds mu for reading, hence
// the replacement runs in its own goroutine and waits for the lock.
func (s *Store) damage(err error) error {
	if isDamaged(err) || errors.Is(err, errReplacing) {
		// A replacement that failed is tried again at most once a
		// second, however many calls find the store without a file.
		now := time.Now().UnixNano()
		if last := s.lastRecovery.Load(); now-last < int64(time.Second) && last != 0 && errors.Is(err, errReplacing) {
			return err
		}
		if s.recovering.CompareAndSwap(false, true) {
			s.lastRecovery.Store(now)
			go s.recover(err)
		}
	}
	return err
}

// recover replaces the damaged file as Open does: it sets the file aside
// (unless another process sharing it already did) and opens a new one at
// the same path. Calls wait on the lock meanwhile; the pages that were
// cached render again, the change feed tells the memory tier to drop
// everything, and invalidations kept in memory are written to the new
// file.
func (s *Store) recover(cause error) {
	defer s.recovering.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return
	}
	if s.write != nil {
		if err := s.closeDBs(); err != nil {
			s.log.Warn("gox cache: closing the damaged cache file", "path", s.path, "err", err)
		}
		if cur, err := os.Stat(s.abs); err == nil && s.file != nil && os.SameFile(cur, s.file) {
			if _, err := setAside(s.abs, s.log, cause); err != nil {
				s.log.Error("gox cache: the cache file is damaged and cannot be set aside; serving uncached",
					"path", s.path, "err", err)
				return
			}
		}
	}
	s.access.reset()
	if err := s.open(s.abs); err != nil {
		s.closeDBs()
		s.log.Error("gox cache: cannot open a new cache file; serving uncached until it can", "path", s.path, "err", err)
		return
	}
	s.feed.Send([]cache.Change{{Kind: cache.ChangeAll}})
	s.log.Warn("gox cache: continuing on a new cache file", "path", s.path)
}

// ErrWritesFailing is what Health reports while writes to the cache file
// fail (a full or read-only disk): pages are served, not kept.
var ErrWritesFailing = errors.New("sqlite: writes to the cache file fail")

// Health reports whether the store works, from what its calls have seen:
// cache.ErrClosed once closed, the replacement error while a damaged file
// could not be replaced, ErrWritesFailing while writes fail (until one
// lands). It does no I/O.
func (s *Store) Health() error {
	if s.closed.Load() {
		return cache.ErrClosed
	}
	if s.recovering.Load() {
		return errReplacing
	}
	// A recovery or Close holding or awaiting the lock: never wait for it.
	if !s.mu.TryRLock() {
		return errReplacing
	}
	noFile := s.write == nil
	s.mu.RUnlock()
	if noFile {
		return errReplacing
	}
	if s.faults.failing.Load() || s.putFailing.Load() {
		return ErrWritesFailing
	}
	return nil
}
