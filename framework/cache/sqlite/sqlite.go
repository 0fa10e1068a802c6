// Package sqlite is gox's embedded cache.Store: one SQLite file (WAL mode,
// by default .gox/cache.db). A server puts package tiered's memory tier in
// front of it.
//
// Every write is one transaction, so an entry is never half-written and a
// crash loses at most the writes in flight. Every read checks the body's
// length and checksum. Several processes may share the file (a second
// server, `gox revalidate`, `gox cache purge`): each store polls PRAGMA
// data_version and a change log, so another process's invalidation reaches
// its stamps, and its change feed (cache.ChangeFeed), within a poll
// interval.
//
// A store is opened for one build of the app (Options.BuildID), and keeps
// each build's pages apart: Put writes the entry's build's row of a key,
// Get reads this build's row, else the most recently generated row of
// another build (which the ISR engine serves stale and replaces with a
// row of its own). Two builds sharing the file, a new one prerendering
// while the old one serves or both serving in a rolling deploy, thus
// never overwrite each other's pages. Invalidations, Delete and Clear
// cover every build's rows, and the bounds count them all. A running
// store marks its build as seen about every minute; the rows of a build
// no process has run for Options.BuildRetention are removed.
//
// Example:
//
//	st, err := sqlite.Open(".gox/cache.db", sqlite.Options{MaxBytes: 4 << 30})
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	err = st.Put(ctx, &cache.Entry{Key: "/", Route: "/", Status: 200, Body: html, GeneratedAt: time.Now()})
//	l, err := st.Get(ctx, "/")
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/goxweb/gox/framework/cache"
)

var (
	_ cache.Store          = (*Store)(nil)
	_ cache.Leaser         = (*Store)(nil)
	_ cache.Lister         = (*Store)(nil)
	_ cache.Reloader       = (*Store)(nil)
	_ cache.ChangeFeed     = (*Store)(nil)
	_ cache.CounterStore   = (*Store)(nil)
	_ cache.Toucher        = (*Store)(nil)
	_ cache.HealthReporter = (*Store)(nil)
)

// Options tune a Store. The zero value is a working configuration. A Put
// that goes over a bound evicts the least recently accessed entries, of
// its route first when the route's bound is the one exceeded.
type Options struct {
	// BuildID names the build this store serves: Get prefers its rows,
	// leases are its own, and the store keeps it marked as running so
	// that its rows are never removed while it runs. Empty opens a store
	// of no build, as tools do: Get returns the most recently generated
	// row of a key, and the store marks no build and removes none.
	BuildID string
	// BuildRetention is how long the rows of a build stay once no process
	// of it runs; 0 means DefaultBuildRetention and a negative value
	// keeps them until they are evicted. Processes sharing a file should
	// use the same retention (a build is also kept until it has missed a
	// few of its own marks, whatever the retention of the others).
	BuildRetention time.Duration
	// MaxEntries bounds the number of entries; 0 means DefaultMaxEntries
	// and a negative value means no bound.
	MaxEntries int
	// MaxBytes bounds the bytes of all entries' bodies (cache.Entry.Size);
	// 0 means DefaultMaxBytes and a negative value means no bound.
	MaxBytes int64
	// MaxEntriesPerRoute and MaxBytesPerRoute bound the entries of one
	// route (cache.Entry.Route) and their bytes, so that a crawler
	// requesting endless unknown slugs of one route (each a cached 404)
	// cannot push every other page out. 0 means half of MaxEntries or
	// MaxBytes; a negative value means no bound.
	MaxEntriesPerRoute int
	MaxBytesPerRoute   int64
	// MaxNotFoundPerRoute bounds the cached not-found entries (status
	// 404) of one route, below its other bounds, so that unknown slugs
	// never push out the route's real pages: a route's 404s are also
	// evicted before its other entries whichever bound is exceeded. 0
	// means a tenth of MaxEntriesPerRoute (at least 1); a negative value
	// means no bound of their own.
	MaxNotFoundPerRoute int
	// PollInterval is how often the store looks for writes of other
	// processes; 0 means 100 ms.
	PollInterval time.Duration
	// Logger receives errors of background work (change polling, access
	// time flushes); nil means slog.Default().
	Logger *slog.Logger
}

const (
	// DefaultMaxEntries is the entry bound when Options.MaxEntries is 0.
	DefaultMaxEntries = 100_000
	// DefaultMaxBytes is the byte bound when Options.MaxBytes is 0.
	DefaultMaxBytes = 1 << 30
	// DefaultPollInterval is Options.PollInterval when it is 0.
	DefaultPollInterval = 100 * time.Millisecond
	// DefaultBuildRetention is Options.BuildRetention when it is 0.
	DefaultBuildRetention = 24 * time.Hour
)

// withDefaults returns o with its zero fields set to their defaults. Bounds
// stay negative for no bound.
func (o Options) withDefaults() Options {
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxEntriesPerRoute == 0 {
		o.MaxEntriesPerRoute = -1
		if o.MaxEntries > 0 {
			o.MaxEntriesPerRoute = max(o.MaxEntries/2, 1)
		}
	}
	if o.MaxNotFoundPerRoute == 0 {
		o.MaxNotFoundPerRoute = -1
		if o.MaxEntriesPerRoute > 0 {
			o.MaxNotFoundPerRoute = max(o.MaxEntriesPerRoute/10, 1)
		}
	}
	if o.MaxBytesPerRoute == 0 {
		o.MaxBytesPerRoute = -1
		if o.MaxBytes > 0 {
			o.MaxBytesPerRoute = max(o.MaxBytes/2, 1)
		}
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.BuildRetention == 0 {
		o.BuildRetention = DefaultBuildRetention
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Intervals of background work.
const (
	// accessFlushInterval is how often read times go to the file. LRU
	// eviction flushes them first anyway, so this only bounds how stale
	// List's AccessedAt and other processes' eviction order may be.
	accessFlushInterval = time.Second
	// changeRetention is how long change log rows are kept. A process
	// that falls further behind tells its subscribers cache.ChangeAll.
	changeRetention = time.Minute
	// pruneInterval is how often old change rows and expired leases are
	// deleted.
	pruneInterval = 30 * time.Second
	// checkpointInterval is how often the WAL is copied into the file and
	// truncated. SQLite's own checkpoint after walAutocheckpoint pages
	// cannot restart the WAL while readers use it, so under steady reads
	// it would only grow (each write appends a dozen pages).
	checkpointInterval = 5 * time.Second
	// walAutocheckpoint is the WAL length in pages after which a commit
	// checkpoints; walSizeLimit is what a WAL is truncated to after a
	// checkpoint restarts it.
	walAutocheckpoint = 1000
	walSizeLimit      = 8 << 20
	// checkpointEvery commits the background loop checkpoints without
	// waiting for its interval: a write appends about a dozen pages (the
	// row, its indexes, the change log, the totals), so this bounds the
	// WAL near walSizeLimit under a burst of writes.
	checkpointEvery = 100
	// requestWriteWait bounds how long a write that a request waits on
	// (an invalidation) waits for the file; see writeTxWithin.
	requestWriteWait = 2 * time.Second
	// checkpointWait bounds how long a checkpoint waits for readers.
	checkpointWait = time.Second
	// busyTimeout is how long a write waits for another process's.
	busyTimeout = 10 * time.Second
)

// Store is the SQLite cache.Store. It is safe for concurrent use by many
// goroutines and by many processes opening the same file.
type Store struct {
	path   string
	opts   Options
	log    *slog.Logger
	origin int64 // tags this process's change log rows
	// recovering is set while a damaged file is being replaced;
	// lastRecovery is when the last replacement started (Unix ns).
	recovering   atomic.Bool
	lastRecovery atomic.Int64

	// write has a single connection, so that this process's writers
	// queue in Go rather than in SQLite's sleeping busy handler.
	// mu is held for reading by every use of the connections below and
	// for writing while a damaged file is replaced (see recover).
	mu    sync.RWMutex
	abs   string
	file  os.FileInfo // the file open now, to tell it from a replacement
	write *sql.DB
	read  *sql.DB
	// pollConn is the connection whose data_version reveals commits by
	// any other connection.
	pollConn *sql.Conn
	stmts    statements

	stamps stampSet
	access accessLog
	feed   cache.Feed
	faults faultLog
	// putFailing is set by a Put that failed to write, until a write
	// lands, for Health.
	putFailing atomic.Bool
	leases     localLeases

	// commits counts this store's commits; every checkpointEvery of them
	// a token on kick makes the background loop checkpoint.
	commits atomic.Int64
	kick    chan struct{}

	closed atomic.Bool
	stop   context.CancelFunc
	wg     sync.WaitGroup

	// Owned by the watch goroutine.
	dataVersion int64
	lastSeq     int64
}

// Open opens (creating if needed) the cache file at path, and its parent
// directory, and starts the background poller. Close the store when done.
//
// A file that is damaged (not a database, or malformed) is renamed to
// path.corrupt-<UTC time>, with its -wal and -shm files, logged at WARN,
// and a new file is started in its place; the store does the same when it
// meets damage while running. A file or folder that cannot be written
// makes Open fail with an error wrapping ErrUnwritable.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", path, unwritable(err))
	}
	s := newStore(path, opts, rand.Int64N(1<<62)+1)
	if err := s.open(abs); err != nil {
		s.closeDBs()
		if !isDamaged(err) {
			return nil, fmt.Errorf("sqlite open %s: %w", path, unwritable(err))
		}
		// A damaged file holds only pages that can be rendered again:
		// keep it aside for inspection and start on a new one.
		if _, aerr := setAside(abs, opts.Logger, err); aerr != nil {
			return nil, fmt.Errorf("sqlite open %s: %w", path, errors.Join(err, unwritable(aerr)))
		}
		s = newStore(path, opts, s.origin)
		if err := s.open(abs); err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("sqlite open %s: %w", path, unwritable(err))
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.wg.Add(2)
	go s.watch(ctx)
	go s.maintain(ctx)
	return s, nil
}

func newStore(path string, opts Options, origin int64) *Store {
	return &Store{path: path, opts: opts, log: opts.Logger, origin: origin,
		faults: faultLog{log: opts.Logger, path: path}, kick: make(chan struct{}, 1)}
}

// open connects, migrates and loads what the store keeps in memory.
func (s *Store) open(abs string) error {
	ctx := context.Background()
	var err error
	s.abs = abs
	// synchronous=NORMAL in WAL mode syncs at checkpoints, not commits: a
	// killed process loses nothing committed, a power cut may lose the
	// last commits but never tears one.
	s.write, err = sql.Open("sqlite3", dsn(abs, "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate"))
	if err != nil {
		return err
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, s.write); err != nil {
		return err
	}
	if err := walLimits(ctx, s.write); err != nil {
		return err
	}
	if s.file, err = os.Stat(abs); err != nil {
		return err
	}
	s.read, err = sql.Open("sqlite3", dsn(abs, "_busy_timeout=10000&_query_only=1"))
	if err != nil {
		return err
	}
	readers := max(4, runtime.GOMAXPROCS(0)) + 1 // +1 for pollConn
	s.read.SetMaxOpenConns(readers)
	s.read.SetMaxIdleConns(readers)
	s.read.SetConnMaxIdleTime(0)
	s.read.SetConnMaxLifetime(0)
	if s.pollConn, err = s.read.Conn(ctx); err != nil {
		return err
	}
	// data_version first: a commit between the two reads is then seen
	// by the first poll rather than lost.
	if err := s.pollConn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.dataVersion); err != nil {
		return fmt.Errorf("data version: %w", err)
	}
	if err := s.pollConn.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&s.lastSeq); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	if err := s.stmts.prepare(ctx, s.read, s.write); err != nil {
		return err
	}
	if err := s.stamps.reload(ctx, s.pollConn, nil); err != nil {
		return err
	}
	// Marked at once: a prerender, which runs for seconds, must count as
	// a run of its build. A file that cannot be written now (a full disk)
	// still serves; the mark is made again every seen interval.
	if err := s.seeBuild(ctx); err != nil {
		s.faults.failed("this build is marked as running again later", s.damage(err))
	}
	return nil
}

// unwritable wraps err with ErrUnwritable when it says the file or its
// folder cannot be written.
func unwritable(err error) error {
	if isUnwritable(err) {
		return fmt.Errorf("%w: %w", ErrUnwritable, err)
	}
	return err
}

// dsn returns the go-sqlite3 data source name for the file abs.
func dsn(abs, params string) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + params
}

// Close stops the background work, flushes access times and closes the
// file. Later calls of any method return cache.ErrClosed; Close itself
// may be called again.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.stop()
	s.wg.Wait()
	// The lock waits for a replacement of a damaged file in progress.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.write == nil {
		return nil // a replacement failed and left nothing open
	}
	err := s.flushAccess(context.Background())
	return errors.Join(err, s.closeDBs())
}

// closeDBs closes whatever open managed to open.
func (s *Store) closeDBs() error {
	var errs []error
	errs = append(errs, s.stmts.close())
	if s.pollConn != nil {
		errs = append(errs, s.pollConn.Close())
	}
	for _, db := range []*sql.DB{s.read, s.write} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	s.stmts, s.pollConn, s.read, s.write = statements{}, nil, nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite close %s: %w", s.path, err)
	}
	return nil
}

// writeTx runs fn in one immediate transaction on the write connection.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.damage(err)
	}
	return s.commit(tx, fn)
}

// writeTxWithin is writeTx for a write a request waits on (an
// invalidation from an action): it waits at most d in all, first for this
// process's other writes and then, with what is left of d, for another
// program's write lock, rather than the busy timeout behind each write
// queued before it. Past that it fails, and the caller keeps its change
// in memory.
func (s *Store) writeTxWithin(ctx context.Context, d time.Duration, fn func(tx *sql.Tx) error) error {
	deadline := time.Now().Add(d)
	wait, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c, err := s.write.Conn(wait)
	if err != nil {
		return fmt.Errorf("waited %v for this process's other writes: %w", d, err)
	}
	defer c.Close()
	left := time.Until(deadline).Milliseconds()
	if left <= 0 {
		return fmt.Errorf("waited %v for this process's other writes: %w", d, context.DeadlineExceeded)
	}
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", left)); err != nil {
		return s.damage(err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return s.damage(err)
	}
	return s.commit(tx, fn)
}

// commit runs fn in tx and commits it.
func (s *Store) commit(tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if err := fn(tx); err != nil {
		return s.damage(errors.Join(err, tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return s.damage(err)
	}
	s.faults.ok()
	if s.putFailing.Load() {
		s.putFailing.Store(false)
	}
	if s.commits.Add(1)%checkpointEvery == 0 {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// walLimits sets the WAL bounds of the write connection c. They are
// per-connection settings, so each checkpoint sets them again in case
// database/sql replaced the connection.
func walLimits(ctx context.Context, c interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) error {
	_, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA journal_size_limit = %d; PRAGMA wal_autocheckpoint = %d",
		walSizeLimit, walAutocheckpoint))
	if err != nil {
		return fmt.Errorf("wal limits: %w", err)
	}
	return nil
}

// checkpoint copies the WAL into the file and truncates it. It runs on
// the write connection, between this process's writes, so that it never
// waits for them; it waits for readers at most checkpointWait (the writes
// queued meanwhile wait as long), and a checkpoint that readers kept
// busy is completed by the next one.
func (s *Store) checkpoint(ctx context.Context) error {
	c, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite checkpoint: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointWait.Milliseconds())); err != nil {
		return fmt.Errorf("sqlite checkpoint: %w", err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	if err := walLimits(ctx, c); err != nil {
		return err
	}
	var busy, walPages, done int
	err = c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &walPages, &done)
	if code := sqliteCode(err); code == sqlite3.ErrBusy || code == sqlite3.ErrLocked {
		return nil // another process's writer or reader: next time
	}
	if err != nil {
		return fmt.Errorf("sqlite checkpoint: %w", err)
	}
	return nil
}

// maintain flushes access times, prunes old change rows and expired
// leases, marks this build as running and removes the rows of builds
// gone, until ctx ends.
func (s *Store) maintain(ctx context.Context) {
	defer s.wg.Done()
	if err := s.locked(ctx, s.removeGoneBuilds); err != nil && ctx.Err() == nil {
		s.faults.failed("the pages of old builds are removed later", err)
	}
	seen := time.NewTicker(s.seenEvery())
	defer seen.Stop()
	flush := time.NewTicker(accessFlushInterval)
	defer flush.Stop()
	prune := time.NewTicker(pruneInterval)
	defer prune.Stop()
	checkpoint := time.NewTicker(checkpointInterval)
	defer checkpoint.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			if err := s.locked(ctx, s.writePending); err != nil && ctx.Err() == nil {
				s.faults.failed("invalidations are kept in memory and written again until the write lands", err)
			}
			if err := s.locked(ctx, s.flushAccess); err != nil && ctx.Err() == nil {
				s.faults.failed("read times are kept in memory", err)
			}
		case <-checkpoint.C:
			if err := s.locked(ctx, s.checkpoint); err != nil && ctx.Err() == nil {
				s.faults.failed("the WAL is checkpointed again later", err)
			}
		case <-s.kick:
			if err := s.locked(ctx, s.checkpoint); err != nil && ctx.Err() == nil {
				s.faults.failed("the WAL is checkpointed again later", err)
			}
		case <-prune.C:
			if err := s.locked(ctx, s.prune); err != nil && ctx.Err() == nil {
				s.faults.failed("old change rows are pruned later", err)
			}
		case <-seen.C:
			if err := s.locked(ctx, s.seeBuild); err != nil && ctx.Err() == nil {
				s.faults.failed("this build is marked as running again later", err)
			}
			if err := s.locked(ctx, s.removeGoneBuilds); err != nil && ctx.Err() == nil {
				s.faults.failed("the pages of old builds are removed later", err)
			}
		}
	}
}
