// Package redis is gox's cache.Store for more than one host: every
// instance of an app, on any machine, shares one Redis (go-redis), and a
// memory tier (package tiered) sits in front of it in each instance.
//
// What it keeps, under a key prefix per app ("gox:{shop}:"):
//
//   - one hash per entry and build (see Options.BuildID), written by a Lua
//     script that never replaces a row whose render started later than the
//     one being written;
//   - one invalidation stamp per tag and per path, so that an invalidation
//     costs one write whatever the number of pages it covers; Get reads
//     the entry and its stamps in one script and cache.Covering merges them.
//     A stamp's TTL outlasts the rows it covers (each write of one of them
//     extends it), and a stamp missing (evicted) reads as an invalidation
//     now, never as none;
//   - an index per tag and per path, only to tell an invalidation which
//     keys to regenerate eagerly and List which pages carry a tag: a sorted
//     set of rows by last write, bounded by the entry TTL (older members
//     leave at the next write) and by Options.MaxCoveredKeys (the oldest
//     leave); the stamps cover every page anyway;
//   - regeneration leases (SET NX PX, renewed by their holder);
//   - a stream to which every write and invalidation is appended in the
//     same script. Each instance reads it from the last id it saw
//     (XREAD BLOCK), so an instance that was disconnected catches up; if
//     what it missed was trimmed away it tells its subscribers
//     cache.ChangeAll. This is the store's cache.ChangeFeed.
//
// Get always reads Redis (the memory tier in front is what answers
// without it), so the store needs no cache.Reloader.
//
// Redis being down never stops the site: nothing connects at Open,
// commands have short timeouts and go through a circuit breaker, and an
// invalidation that cannot reach Redis is kept in a small SQLite outbox
// file (and counts for this instance's reads at once) until it is replayed.
//
// Example:
//
//	st, err := redis.Open(redis.Options{URL: "redis://127.0.0.1:6379/0", Prefix: "shop"})
//	if err != nil {
//		return err
//	}
//	tier, err := tiered.New(st, tiered.Options{})
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/goxweb/gox/framework/cache"
)

var (
	_ cache.Store        = (*Store)(nil)
	_ cache.Leaser       = (*Store)(nil)
	_ cache.Lister       = (*Store)(nil)
	_ cache.ChangeFeed   = (*Store)(nil)
	_ cache.CounterStore = (*Store)(nil)
	_ cache.Toucher      = (*Store)(nil)
)

// ErrUnavailable reports a command refused without trying, because the
// circuit breaker found Redis unreachable; errors.Is finds it.
var ErrUnavailable = errors.New("redis: unavailable")

// Options configure a Store. Client (or URL) is required; the zero value
// of every other field is a working default.
type Options struct {
	// URL is where Redis is: redis://[user:password@]host:port/db,
	// rediss:// for TLS, or unix:///path/to/redis.sock?db=N, with an
	// optional prefix=NAME for Prefix; see ParseURL. Ignored when Client
	// is set.
	URL string
	// Client is where Redis is, as go-redis takes it. Its unset timeouts
	// take CommandTimeout.
	Client *goredis.Options
	// Prefix names the app: its keys are "gox:{Prefix}:...". Apps sharing a
	// Redis need different prefixes; the instances of one app share one.
	// Empty means "gox".
	Prefix string
	// BuildID is the build of the app this handle serves. Each build has a
	// row of its own per key (Put writes the entry's build's row), so two
	// builds sharing one Redis during a deploy never overwrite each other's
	// pages: Get returns this build's row, else the most recently generated
	// row of another build, and a lease is per key and build. Empty: a
	// handle of no build (tools), whose Get returns any build's latest row.
	BuildID string
	// CommandTimeout bounds connecting to Redis and each command, its
	// retry on another connection included (go-redis tries once more when
	// a connection broke, as after a Redis restart); 0 means
	// DefaultCommandTimeout.
	CommandTimeout time.Duration
	// EntryTTL is how long an entry (and its indexes) live after their
	// last write; 0 means DefaultEntryTTL and a negative value means
	// forever. A tag's or path's stamp lives EntryTTL plus a minute after
	// the last write of an entry it covers (or of itself), so with a
	// positive TTL nothing stays forever, and Redis's volatile-lru policy
	// may evict any of them; a stamp evicted reads as an invalidation now.
	EntryTTL time.Duration
	// StreamLength bounds the change stream (approximately, MAXLEN ~); an
	// instance that falls further behind drops its whole memory tier. 0
	// means DefaultStreamLength.
	StreamLength int64
	// MaxCoveredKeys bounds the rows each tag's and path's index keeps
	// (the most recently written), hence the keys an invalidation returns
	// per tag or path for eager regeneration; 0 means
	// DefaultMaxCoveredKeys. List of a tag whose index is full scans the
	// app's rows instead.
	MaxCoveredKeys int
	// OutboxPath is the SQLite file where invalidations wait while Redis
	// cannot be reached; empty keeps them in memory only (lost if the
	// process stops before Redis is back).
	OutboxPath string
	// OutboxNames bounds the tags and paths the outbox keeps; past it the
	// outbox keeps one stamp for every page instead. 0 means
	// DefaultOutboxNames.
	OutboxNames int
	// BreakerFailures is how many consecutive failed commands open the
	// circuit breaker; BreakerOpen how long it stays open before one
	// command probes Redis again. 0 means 3 and 1 s.
	BreakerFailures uint32
	BreakerOpen     time.Duration
	// Logger receives the store's logs; nil means slog.Default().
	// go-redis's own messages (one per failed dial) go to slog.Default()
	// at debug level whatever Logger is: the first Open sets go-redis's
	// logger for the whole process (goredis.SetLogger).
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultCommandTimeout = 500 * time.Millisecond
	DefaultEntryTTL       = 7 * 24 * time.Hour
	DefaultStreamLength   = 10_000
	DefaultMaxCoveredKeys = 10_000
	DefaultOutboxNames    = 10_000
)

func (o Options) withDefaults() (Options, error) {
	if o.Client == nil {
		if o.URL == "" {
			return o, errors.New("redis: no URL or client options")
		}
		c, prefix, err := ParseURL(o.URL, "")
		if err != nil {
			return o, err
		}
		o.Client = c
		if o.Prefix == "" {
			o.Prefix = prefix
		}
	} else {
		c := *o.Client
		o.Client = &c
	}
	if o.Prefix == "" {
		o.Prefix = "gox"
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.EntryTTL == 0 {
		o.EntryTTL = DefaultEntryTTL
	}
	if o.StreamLength <= 0 {
		o.StreamLength = DefaultStreamLength
	}
	if o.MaxCoveredKeys <= 0 {
		o.MaxCoveredKeys = DefaultMaxCoveredKeys
	}
	if o.OutboxNames <= 0 {
		o.OutboxNames = DefaultOutboxNames
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = 3
	}
	if o.BreakerOpen <= 0 {
		o.BreakerOpen = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	c := o.Client
	for _, d := range []*time.Duration{&c.DialTimeout, &c.ReadTimeout, &c.WriteTimeout, &c.PoolTimeout} {
		if *d == 0 {
			*d = o.CommandTimeout
		}
	}
	// One retry at most, within the command timeout (see breaker): a
	// command to an unreachable Redis must fail fast, and the breaker
	// decides when to try again.
	if c.MaxRetries == 0 {
		c.MaxRetries = 1
	}
	c.ContextTimeoutEnabled = true
	// Maintenance notifications are a Redis Enterprise feature; their
	// handshake only costs every new connection a round trip here.
	c.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return o, nil
}

// Store is the Redis cache.Store. It is safe for concurrent use by many
// goroutines, processes and hosts sharing one Redis.
type Store struct {
	opts   Options
	log    *slog.Logger
	rdb    *goredis.Client
	keys   keys
	origin string // tags this handle's stream messages
	brk    *breaker

	pending pendingStamps
	outbox  *outbox     // nil without Options.OutboxPath, or when it cannot be opened
	queued  atomic.Bool // an invalidation was queued (and logged) since the last replay
	feed    cache.Feed

	// reconnected is signalled when a command succeeds after the breaker
	// was open, so that the background loop replays the outbox at once.
	reconnected chan struct{}

	closed atomic.Bool
	stop   context.CancelFunc
	wg     sync.WaitGroup
	// mu is held for reading by every call and for writing by Close, so
	// that Close waits for calls in flight.
	mu sync.RWMutex
}

// Open returns a store for the Redis in opts and starts its background
// work (reading the change stream, replaying the outbox). It does not
// connect: the first command does, and an unreachable Redis costs each
// call at most the command timeout until the breaker opens.
func Open(opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redis: prefix %q: braces are not allowed (gox adds its own hash tag)", opts.Prefix)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	s := &Store{
		opts:        opts,
		log:         opts.Logger,
		keys:        newKeys(opts.Prefix),
		origin:      hex.EncodeToString(id[:]),
		reconnected: make(chan struct{}, 1),
	}
	quietClientLogs.Do(func() { goredis.SetLogger(debugLogger{}) })
	s.brk = newBreaker(opts, s.log, s.onReconnect)
	s.rdb = goredis.NewClient(opts.Client)
	s.rdb.AddHook(s.brk)
	if opts.OutboxPath != "" {
		ob, stamps, err := openOutbox(opts.OutboxPath)
		if err != nil {
			// Invalidations are then kept in memory until Redis is back.
			s.log.Warn("gox cache: the Redis outbox file cannot be opened; invalidations made while Redis is unreachable are kept in memory",
				"path", opts.OutboxPath, "err", err)
		} else {
			s.outbox = ob
			s.pending.load(stamps)
			s.queued.Store(len(stamps) > 0)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.wg.Go(func() { s.read(ctx) })
	s.wg.Go(func() { s.maintain(ctx) })
	return s, nil
}

// quietClientLogs routes go-redis's own messages (one per failed dial
// while Redis is down) to slog at debug level, once per process: the
// store reports outages itself, once.
var quietClientLogs sync.Once

type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// enter starts a call: it fails with cache.ErrClosed once Close began,
// and otherwise returns the function that ends the call.
func (s *Store) enter() (func(), error) {
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return nil, cache.ErrClosed
	}
	return s.mu.RUnlock, nil
}

// Close stops the background work and closes the connections; the
// outbox file keeps what was not replayed for the next start. Later calls
// of any method return cache.ErrClosed; Close itself may be called again.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.rdb.Close()
	s.wg.Wait()
	if s.outbox != nil {
		err = errors.Join(err, s.outbox.close())
	}
	return err
}

// keys names the Redis keys of one app. Every name carries the app's hash
// tag, so that all of them live in one slot and a script may touch any.
type keys struct{ base string }

func newKeys(prefix string) keys { return keys{base: "gox:{" + prefix + "}:"} }

// row names a build's row of key: the build packed (length-prefixed), so
// that any build and key make one unambiguous name.
func row(build, key string) string { return pack([]string{build}) + key }

// splitRow reads what row made.
func splitRow(r string) (build, key string, ok bool) {
	n, rest, found := strings.Cut(r, ":")
	l, err := strconv.Atoi(n)
	if !found || err != nil || l < 0 || l > len(rest) {
		return "", "", false
	}
	return rest[:l], rest[l:], true
}

func (k keys) entry(build, key string) string { return k.base + "e:" + row(build, key) }
func (k keys) builds(key string) string       { return k.base + "b:" + key }
func (k keys) lease(build, key string) string { return k.base + "l:" + row(build, key) }
func (k keys) stream() string                 { return k.base + "s" }
func (k keys) seq() string                    { return k.base + "q" }
func (k keys) global() string                 { return k.base + "g" }
func (k keys) counters(f string) string {
	return k.base + "c:" + f
}

// ttlMillis is EntryTTL in milliseconds as the scripts take it; 0 is none.
func (s *Store) ttlMillis() int64 {
	if s.opts.EntryTTL < 0 {
		return 0
	}
	return s.opts.EntryTTL.Milliseconds()
}

// stampMargin is how much longer than the rows they cover stamps live:
// rows and stamps get their TTLs in one script, from one clock, so a
// minute only keeps a stamp from expiring in the same instant as its last
// row.
const stampMargin = time.Minute

// stampTTLMillis is the TTL of stamps in milliseconds as the scripts take
// it; 0 is none.
func (s *Store) stampTTLMillis() int64 {
	if s.opts.EntryTTL < 0 {
		return 0
	}
	return (s.opts.EntryTTL + stampMargin).Milliseconds()
}

// wrap adds context to a command's error.
func wrap(op, name string, err error) error {
	if name == "" {
		return fmt.Errorf("redis %s: %w", op, err)
	}
	return fmt.Errorf("redis %s %s: %w", op, name, err)
}
