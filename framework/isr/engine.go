package isr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/route"
)

// Options configure an Engine. Zero values take the defaults named.
type Options struct {
	// Store keeps the rendered pages. Required.
	Store cache.Store
	// BuildID names the running build. Entries made by another build are
	// served stale and regenerated, so pages never keep pointing at asset
	// files of an older build; the engine never updates them, it stores
	// entries of its own (a store shared by builds keeps both).
	BuildID string
	// Workers is the size of the background regeneration pool
	// (default GOMAXPROCS, at least 2).
	Workers int
	// Queue bounds background jobs waiting for a worker (default 4096);
	// past it a stale request schedules nothing and a later one retries.
	Queue int
	// RenderTimeout bounds one render (default 30 s). A render past it
	// fails and its lease expires, so a later request can regenerate.
	RenderTimeout time.Duration
	// LeaseTTL is how long a render's lease outlives its last renewal
	// when the store is a cache.Leaser (default 10 s): the holder renews
	// it while it renders, so a process that dies mid-render frees the key
	// for another within LeaseTTL.
	LeaseTTL time.Duration
	// LeaseWait bounds how long a request with nothing to serve (a miss,
	// an expired page) waits for another process that holds the key's
	// lease to store its render, before rendering by itself (default 10 s).
	LeaseWait time.Duration
	// NotFoundRevalidate is how long a 404 result stays fresh
	// (default 1 min).
	NotFoundRevalidate time.Duration
	// RetryBase and RetryMax bound the backoff between failed
	// regenerations of one key (defaults 1 s and 5 min).
	RetryBase, RetryMax time.Duration
	// EagerBudget bounds how many covered keys one invalidation queues for
	// regeneration at once, most requested first (default 64): an
	// invalidation of a tag that thousands of pages carry costs a bounded
	// burst of renders, and the rest regenerate on their next request.
	// Keys last served as a 404 are never queued. Negative: none are.
	EagerBudget int
	// RecentKeys bounds how many recently requested keys are remembered
	// for eager regeneration, and how many keys that never rendered well
	// have their failure remembered for the backoff (default 10,000 each).
	RecentKeys int
	// Encode prepares each render's entry before it is stored: the
	// server's sets the ETag and the precompressed bodies
	// (httpcache.Encode), which a render of the same bytes as the last
	// entry's takes from it. Nil stores the body alone.
	Encode func(*cache.Entry)
	// Observer learns what the engine serves, renders, stores and fails
	// (nil: none); see Observer. The engine owns it: Close closes it when
	// it has a Close method (NewCounter's flushes its last counts).
	Observer Observer
	// Logger receives the engine's logs (default slog.Default()).
	Logger *slog.Logger
}

// ErrBackoff reports a key whose last render failed, with no good page to
// serve, while its retry is not due: the error Serve returns wraps it and
// the failure itself, which was logged once when it happened, so a caller
// answers with the failure's error page and need not log it again.
var ErrBackoff = errors.New("isr: backing off after a failed render")

// maxPendingWrites bounds the store writes handed to their own goroutine;
// past it a render writes before it returns, so a store that stalls slows
// new renders down instead of piling up their entries in memory.
const maxPendingWrites = 256

// Engine serves keys from the cache, rendering and regenerating them as
// their freshness requires. It is safe for concurrent use.
type Engine struct {
	opts   Options
	store  cache.Store
	obs    Observer
	invObs InvalidationObserver // obs, when it is one; else nil
	rndObs RenderObserver       // obs, when it is one; else nil
	log    *slog.Logger
	owner  string // lease owner id of this process
	flight singleflight.Group
	// leaser is the store's cache.Leaser, nil when it has none; leases
	// numbers this engine's leases, each its own owner.
	leaser cache.Leaser
	leases atomic.Int64
	lwg    sync.WaitGroup // lease releases waiting for their writes
	// lclosed is set by Close before it waits for lwg: no release starts
	// after it (see goLease).
	lmu     sync.Mutex
	lclosed bool
	// held maps the keys whose lease this engine holds to a channel closed
	// when it is released.
	heldMu sync.Mutex
	held   map[string]chan struct{}
	faults faultLog

	pending  sync.Map // key -> struct{}: queued or running in the background
	queue    chan Job
	recent   *otter.Cache[string, *hitCount]
	failures *otter.Cache[string, *failure] // keys with no good entry whose render failed
	full     fullLog

	wmu     sync.Mutex
	writes  map[string]*write // key -> its latest write not yet done
	wslots  chan struct{}     // one per write running in its own goroutine
	wclosed bool              // set by Close: writes run in place
	wwg     sync.WaitGroup
	// lastRevalidated and lastExpired are the latest invalidations, which
	// a write registered after them may have missed.
	lastRevalidated, lastExpired stamp

	mu     sync.RWMutex
	routes *route.Router[*Route]

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New starts an engine and its background workers.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("isr: Options.Store is required")
	}
	if opts.Workers <= 0 {
		opts.Workers = max(runtime.GOMAXPROCS(0), 2)
	}
	if opts.Queue <= 0 {
		opts.Queue = 4096
	}
	if opts.RenderTimeout <= 0 {
		opts.RenderTimeout = 30 * time.Second
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 10 * time.Second
	}
	if opts.LeaseWait <= 0 {
		opts.LeaseWait = 10 * time.Second
	}
	if opts.NotFoundRevalidate <= 0 {
		opts.NotFoundRevalidate = time.Minute
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.EagerBudget == 0 {
		opts.EagerBudget = 64
	}
	if opts.RecentKeys <= 0 {
		opts.RecentKeys = 10_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		opts:   opts,
		store:  opts.Store,
		obs:    opts.Observer,
		log:    opts.Logger,
		owner:  hex.EncodeToString(id[:]),
		queue:  make(chan Job, opts.Queue),
		recent: otter.Must(&otter.Options[string, *hitCount]{MaximumSize: opts.RecentKeys}),
		routes: route.NewRouter[*Route](),
		ctx:    ctx,
		cancel: cancel,

		failures: otter.Must(&otter.Options[string, *failure]{MaximumSize: opts.RecentKeys}),
		writes:   map[string]*write{},
		held:     map[string]chan struct{}{},
		wslots:   make(chan struct{}, maxPendingWrites),
	}
	if e.obs == nil {
		e.obs = nopObserver{}
	}
	e.leaser, _ = opts.Store.(cache.Leaser)
	e.invObs, _ = e.obs.(InvalidationObserver)
	e.rndObs, _ = e.obs.(RenderObserver)
	for range opts.Workers {
		e.wg.Go(e.work)
	}
	return e, nil
}

// Register adds the route pattern ("/products/{id}") and its renderer,
// once, and returns its handle for Jobs. The engine matches the keys it
// regenerates on its own against the registered patterns, so only
// cacheable routes belong here.
func (e *Engine) Register(pattern string, render Render) (*Route, error) {
	r := &Route{Name: pattern, render: render}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.routes.Add(pattern, r); err != nil {
		return nil, fmt.Errorf("isr register %s: %w", pattern, err)
	}
	return r, nil
}

// resolve returns the job of a key the engine found itself, or false when
// no registered route renders it.
func (e *Engine) resolve(key string) (Job, bool) {
	k := route.Key(key)
	e.mu.RLock()
	r, params, _, ok := e.routes.Match(k.Path())
	e.mu.RUnlock()
	return Job{Route: r, Key: k, Params: params}, ok
}

// Serve answers job from the cache, rendering it when nothing usable is
// stored. The entry it returns is shared and must not be modified. It
// returns an error only when there is no entry to serve: the render
// failed on a miss, or (ErrBackoff) failed before and its retry is not
// due. An expired key whose render fails keeps its last good page, served
// Stale without waiting until the retry backoff has passed.
func (e *Engine) Serve(ctx context.Context, job Job) (*cache.Entry, State, error) {
	h := e.touch(string(job.Key))
	l, err := e.lookup(ctx, string(job.Key), e.store.Get)
	if err != nil {
		if !errors.Is(err, cache.ErrNotFound) {
			e.faults.warn(e.log, "isr cache read failed; rendering", "key", string(job.Key), "err", err)
		}
		e.obs.Served(job.Route.Name, Miss)
		if err := e.backingOff(string(job.Key), time.Now()); err != nil {
			return nil, Miss, err
		}
		ent, err := e.renderShared(job, nil, false, func(ent *cache.Entry) bool { return !job.mustReadOwnWrite(ent) })
		h.saw(ent)
		return ent, Miss, err
	}
	ent := l.Entry
	h.saw(ent)
	now := time.Now()
	if isExpired(l) || job.mustReadOwnWrite(ent) {
		waited := waitState(l)
		if now.Before(e.retryAt(ent)) {
			// Its last render failed: waiting for another would cost every
			// request a render, so the last good page goes out at once until
			// the retry is due.
			e.obs.Served(job.Route.Name, Stale)
			return ent, Stale, nil
		}
		e.obs.Served(job.Route.Name, waited)
		expired := isExpired(l)
		fresh, err := e.renderShared(job, ent, false, func(ent *cache.Entry) bool {
			return !job.mustReadOwnWrite(ent) && (!expired || ent.GeneratedAt.After(l.ExpiredAt))
		})
		if err != nil {
			// The last good page beats an error page.
			e.obs.Served(job.Route.Name, Stale)
			return ent, Stale, nil
		}
		h.saw(fresh)
		return fresh, waited, nil
	}
	if e.isStale(l, now) {
		e.obs.Served(job.Route.Name, Stale)
		if !now.Before(e.retryAt(ent)) && e.schedule(job) == queueFull {
			e.full.note(e.log, 1)
		}
		return ent, Stale, nil
	}
	e.obs.Served(job.Route.Name, Hit)
	return ent, Hit, nil
}

// isStale reports whether l needs regenerating: past its freshness,
// revalidated on demand since its render started, or made by another build.
func (e *Engine) isStale(l cache.Lookup, now time.Time) bool {
	ent := l.Entry
	return (!ent.FreshUntil.IsZero() && !now.Before(ent.FreshUntil)) ||
		(!l.RevalidatedAt.IsZero() && !l.RevalidatedAt.Before(ent.GeneratedAt)) ||
		!e.own(ent)
}

// renderShared renders job once for all concurrent callers of its key,
// and, when the store is a cache.Leaser, once across the processes
// sharing it (see leased). Unless force is set, a caller that arrives just
// after another's render made a newer entry than prev gets that entry
// instead of rendering again, and one that arrives just after another's
// render failed gets the failure. A caller whose entry must be newer than
// something (an action's write, an expiry, its own call to Regenerate)
// says so with want: one that joined a render begun before it gets the
// next flight's, which begins after the call did.
func (e *Engine) renderShared(job Job, prev *cache.Entry, force bool, want func(*cache.Entry) bool) (*cache.Entry, error) {
	ent, err := e.joinFlight(job, prev, force)
	if err == nil && !want(ent) {
		ent, err = e.joinFlight(job, prev, force)
	}
	return ent, err
}

// joinFlight runs or joins the single flight of job's key.
func (e *Engine) joinFlight(job Job, prev *cache.Entry, force bool) (*cache.Entry, error) {
	v, err, _ := e.flight.Do(string(job.Key), func() (any, error) {
		return e.renderOnce(job, prev, force)
	})
	// A request that joined a background regeneration whose lease another
	// process holds has waited for nothing: it waits in a flight of its own.
	for range 3 {
		if !errors.Is(err, errLeased) {
			break
		}
		v, err, _ = e.flight.Do(string(job.Key), func() (any, error) {
			return e.renderOnce(job, prev, force)
		})
	}
	if errors.Is(err, errLeased) {
		v, err = e.regenerate(job, prev)
	}
	if err != nil {
		return nil, err
	}
	return v.(*cache.Entry), nil
}

// renderOnce is the single flight of renderShared.
func (e *Engine) renderOnce(job Job, prev *cache.Entry, force bool) (*cache.Entry, error) {
	if force {
		return e.regenerate(job, prev)
	}
	l, err := e.lookup(e.ctx, string(job.Key), e.store.Get)
	if err == nil && e.answers(job, l, prev) {
		return l.Entry, nil
	}
	if err == nil && prev != nil && time.Now().Before(e.retryAt(l.Entry)) {
		// A render failed since the caller read the entry: it keeps
		// the last good page rather than render again at once.
		return nil, ErrBackoff
	}
	if !e.own(prev) {
		if err := e.backingOff(string(job.Key), time.Now()); err != nil {
			return nil, err
		}
	}
	if e.leaser != nil {
		return e.leased(job, prev, true, func(l cache.Lookup) bool { return e.answers(job, l, prev) })
	}
	return e.regenerate(job, prev)
}

// Outcomes of schedule.
const (
	queued = iota
	queueBusy
	queueFull
)

// schedule queues a background regeneration of job unless one is already
// queued or running in this process (queueBusy) or the queue is full
// (queueFull: the caller reports it, once for all the keys it deferred).
func (e *Engine) schedule(job Job) int {
	if _, busy := e.pending.LoadOrStore(string(job.Key), struct{}{}); busy {
		return queueBusy
	}
	select {
	case e.queue <- job:
		return queued
	default:
		e.pending.Delete(string(job.Key))
		return queueFull
	}
}

// fullLog reports regenerations deferred by a full queue at most once a
// second, with how many were deferred since the last report: a full
// queue is a state worth a line, not one line per stale request.
type fullLog struct {
	last     atomic.Int64 // unix nanoseconds of the last report
	deferred atomic.Int64 // deferred since it
}

func (f *fullLog) note(log *slog.Logger, n int64) {
	f.deferred.Add(n)
	now := time.Now().UnixNano()
	last := f.last.Load()
	if now-last < int64(time.Second) || !f.last.CompareAndSwap(last, now) {
		return
	}
	log.Warn("isr queue full; regeneration deferred to the next request", "deferred", f.deferred.Swap(0))
}

func (e *Engine) work() {
	for {
		select {
		case <-e.ctx.Done():
			return
		case job := <-e.queue:
			e.background(job)
			e.pending.Delete(string(job.Key))
		}
	}
}

// background regenerates a stale key under the store's lease when it is a
// cache.Leaser, so processes sharing the store regenerate it once between
// them (otherwise the pending set and the single flight keep it to one
// render in this process); a lease held elsewhere means another process
// regenerates it. It reads the key once, after the lease: from the shared
// storage itself when the store is a cache.Reloader, since another
// process may have regenerated the key since it was seen stale.
func (e *Engine) background(job Job) {
	_, _, _ = e.flight.Do(string(job.Key), func() (any, error) {
		current := func(l cache.Lookup) bool { return e.isCurrent(l, time.Now()) }
		if e.leaser != nil {
			return e.leased(job, nil, false, current)
		}
		var prev *cache.Entry
		l, err := e.lookup(e.ctx, string(job.Key), e.reload)
		if err == nil {
			if current(l) {
				return l.Entry, nil
			}
			prev = l.Entry
		}
		return e.regenerate(job, prev)
	})
}

// reload reads key past any local tier of the store.
func (e *Engine) reload(ctx context.Context, key string) (cache.Lookup, error) {
	if r, ok := e.store.(cache.Reloader); ok {
		return r.Reload(ctx, key)
	}
	return e.store.Get(ctx, key)
}

// isCurrent reports whether l needs no regeneration now: fresh, or failing
// and waiting out its backoff.
func (e *Engine) isCurrent(l cache.Lookup, now time.Time) bool {
	return !isExpired(l) && (!e.isStale(l, now) || now.Before(e.retryAt(l.Entry)))
}

// isExpired reports whether an expire-mode invalidation covers l: the next
// request must wait for a fresh render.
func isExpired(l cache.Lookup) bool {
	return !l.ExpiredAt.IsZero() && !l.ExpiredAt.Before(l.Entry.GeneratedAt)
}

// Regenerate renders job now and stores the result, whatever is cached;
// gox build prerenders with it.
func (e *Engine) Regenerate(ctx context.Context, job Job) (*cache.Entry, error) {
	var prev *cache.Entry
	if l, err := e.lookup(ctx, string(job.Key), e.store.Get); err == nil {
		prev = l.Entry
	}
	start := time.Now()
	return e.renderShared(job, prev, true, func(ent *cache.Entry) bool { return !ent.GeneratedAt.Before(start) })
}

// Refresh is Regenerate on demand, for a request that asks for a page
// fresh (x-prerender-revalidate): after the render it reports the key's
// path to the InvalidationObserver as revalidated, so that a CDN drops
// the copy it holds. gox build prerenders with Regenerate, which reports
// nothing.
func (e *Engine) Refresh(ctx context.Context, job Job) (*cache.Entry, error) {
	ent, err := e.Regenerate(ctx, job)
	if err == nil && e.invObs != nil {
		e.invObs.Invalidated([]string{job.Key.Path()}, nil, cache.Stale)
	}
	return ent, err
}

// Pending returns how many background regenerations are queued or
// running.
func (e *Engine) Pending() int { return e.queued() }

// Freshness says how the engine would serve the entry of l at now: Hit
// when it is fresh, Stale when it would be served while it regenerates
// (past its freshness, revalidated on demand, or made by another build),
// Expired when a request would wait for a fresh render.
func (e *Engine) Freshness(l cache.Lookup, now time.Time) State {
	switch {
	case isExpired(l):
		return Expired
	case e.isStale(l, now):
		return Stale
	}
	return Hit
}

// WaitWrites waits until the store writes of the renders finished so far
// have completed: Serve hands a render to its callers before it is
// stored. Close waits for them as well.
func (e *Engine) WaitWrites() {
	for {
		e.wmu.Lock()
		var w *write
		for _, w = range e.writes {
			break
		}
		e.wmu.Unlock()
		if w == nil {
			return
		}
		<-w.done
	}
}

// Close stops the workers (renders in flight finish or time out), waits
// for the store writes of finished renders, and closes the Observer when
// it has a Close method, which persists the counters of NewCounter's. It
// does not close the store. A request's render that ends after Close does
// not call the store to give its lease back: the lease lapses by itself.
func (e *Engine) Close() error {
	e.cancel()
	e.wg.Wait()
	e.wmu.Lock()
	e.wclosed = true
	e.wmu.Unlock()
	e.wwg.Wait()
	e.lmu.Lock()
	e.lclosed = true
	e.lmu.Unlock()
	e.lwg.Wait()
	if c, ok := e.obs.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Abandon cancels the renders in flight and the queued regenerations at
// once, without waiting: a request waiting on an abandoned render gets the
// last good page when there is one (Stale), else ErrClosed, and an
// abandoned render records no failure. The server calls it near the end of
// a graceful shutdown, so no request outlives the deadline waiting on a hung
// render. Close must still be called.
func (e *Engine) Abandon() { e.cancel() }

// Drain waits until no background regeneration is queued or running, or
// until ctx is done, and then abandons what is left (see Abandon). It
// returns how many regenerations it abandoned.
func (e *Engine) Drain(ctx context.Context) int {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for e.queued() > 0 {
		select {
		case <-ctx.Done():
			n := e.queued()
			e.Abandon()
			return n
		case <-e.ctx.Done():
			return e.queued()
		case <-tick.C:
		}
	}
	return 0
}

// queued counts the regenerations queued or running in the background.
func (e *Engine) queued() int {
	n := 0
	e.pending.Range(func(any, any) bool { n++; return true })
	return n
}

// Flush flushes the Observer when it has a Flush method (NewCounter's
// persists the counters gathered since its last flush).
func (e *Engine) Flush(ctx context.Context) error {
	if f, ok := e.obs.(interface{ Flush(context.Context) error }); ok {
		return f.Flush(ctx)
	}
	return nil
}
