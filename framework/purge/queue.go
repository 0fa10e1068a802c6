package purge

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Queue. Zero values take the defaults named.
type Options struct {
	// Capacity bounds the purges waiting for each CDN (default 1024); a
	// purge that finds its CDN's queue full is dropped for that CDN and
	// counted. The CDN then keeps those pages until their s-maxage.
	Capacity int
	// Attempts bounds the tries of one API call (default 5).
	Attempts int
	// RetryBase and RetryMax bound the wait between tries, which doubles
	// from RetryBase (defaults 1 s and 1 min); a Retry-After the CDN sent
	// is waited out when longer, up to RetryMax.
	RetryBase, RetryMax time.Duration
	// Timeout bounds one API call (default 10 s).
	Timeout time.Duration
	// LogEvery is the least time between two log lines about one CDN's
	// failures (default 10 s); each says how many failed since the last.
	LogEvery time.Duration
	// CloseTimeout bounds how long Close keeps sending what is queued
	// (default 5 s).
	CloseTimeout time.Duration
	// Logger receives failures (default slog.Default()).
	Logger *slog.Logger
}

// Stats are one CDN's counts since its Queue started.
type Stats struct {
	// CDN is the Purger's Name.
	CDN string
	// Calls is how many API calls succeeded, Keys how many keys they
	// carried.
	Calls, Keys int64
	// Failures counts failed tries, retried or not.
	Failures int64
	// GaveUp counts calls given up after their last try (their keys were
	// not purged); Dropped counts purges refused by a full queue.
	GaveUp, Dropped int64
	// Queued is how many purges wait now.
	Queued int
}

// Queue sends purges to its purgers in the background. It is safe for
// concurrent use; Add never blocks.
type Queue struct {
	workers []*worker
	opts    Options

	mu      sync.RWMutex // Add holds it for reading, Close for writing
	closed  bool
	closing chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// request is one Add for one CDN.
type request struct {
	keys []string
	soft bool
}

// worker sends one CDN's purges.
type worker struct {
	p    Purger
	ch   chan request
	opts *Options

	calls, keys, failures, gaveUp, dropped atomic.Int64

	logMu      sync.Mutex
	lastLog    time.Time
	unreported int64
}

// NewQueue starts a goroutine per purger. Close stops them.
func NewQueue(purgers []Purger, opts Options) *Queue {
	if opts.Capacity <= 0 {
		opts.Capacity = 1024
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.LogEvery <= 0 {
		opts.LogEvery = 10 * time.Second
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{opts: opts, closing: make(chan struct{}), ctx: ctx, cancel: cancel}
	for _, p := range purgers {
		w := &worker{p: p, ch: make(chan request, opts.Capacity), opts: &q.opts}
		q.workers = append(q.workers, w)
		q.wg.Go(func() { w.run(ctx, q.closing) })
	}
	return q
}

// Add queues a purge of keys for every CDN, soft (mark stale) or not. It
// never blocks: a CDN whose queue is full drops it and counts it. keys
// must not be modified afterwards.
func (q *Queue) Add(keys []string, soft bool) {
	if len(keys) == 0 {
		return
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	for _, w := range q.workers {
		if q.closed {
			w.dropped.Add(1)
			continue
		}
		select {
		case w.ch <- request{keys: keys, soft: soft}:
		default:
			w.dropped.Add(1)
			w.logFailure("purge queue full; purge dropped", nil, len(keys))
		}
	}
}

// Stats returns each CDN's counts, in the order of the purgers.
func (q *Queue) Stats() []Stats {
	out := make([]Stats, len(q.workers))
	for i, w := range q.workers {
		out[i] = Stats{
			CDN: w.p.Name(), Calls: w.calls.Load(), Keys: w.keys.Load(), Failures: w.failures.Load(),
			GaveUp: w.gaveUp.Load(), Dropped: w.dropped.Load(), Queued: len(w.ch),
		}
	}
	return out
}

// Close stops taking purges, sends those queued for at most
// Options.CloseTimeout, and stops the goroutines. It may be called again.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	close(q.closing)
	q.mu.Unlock()
	t := time.AfterFunc(q.opts.CloseTimeout, q.cancel)
	q.wg.Wait()
	t.Stop()
	q.cancel()
	return nil
}

// maxCoalesce bounds the requests one round of a worker merges.
const maxCoalesce = 4096

func (w *worker) run(ctx context.Context, closing <-chan struct{}) {
	for {
		select {
		case r := <-w.ch:
			w.send(ctx, r)
		case <-closing:
			for {
				select {
				case r := <-w.ch:
					w.send(ctx, r)
				default:
					return
				}
			}
		case <-ctx.Done():
			return
		}
	}
}

// send merges r with the requests queued behind it and purges their
// keys, hard ones first, in calls of at most MaxKeys keys. A key asked
// for both ways is purged hard.
func (w *worker) send(ctx context.Context, r request) {
	hard, soft := map[string]bool{}, map[string]bool{}
	add := func(r request) {
		for _, k := range r.keys {
			if r.soft {
				soft[k] = true
			} else {
				hard[k] = true
			}
		}
	}
	add(r)
drain:
	for range maxCoalesce {
		select {
		case r := <-w.ch:
			add(r)
		default:
			break drain
		}
	}
	for k := range hard {
		delete(soft, k)
	}
	for _, set := range []struct {
		keys map[string]bool
		soft bool
	}{{hard, false}, {soft, true}} {
		keys := make([]string, 0, len(set.keys))
		for k := range set.keys {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for chunk := range slices.Chunk(keys, max(w.p.MaxKeys(), 1)) {
			w.call(ctx, chunk, set.soft)
		}
	}
}

// call purges keys, retrying with backoff.
func (w *worker) call(ctx context.Context, keys []string, soft bool) {
	wait := w.opts.RetryBase
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
		err := w.p.Purge(cctx, keys, soft)
		cancel()
		if err == nil {
			w.calls.Add(1)
			w.keys.Add(int64(len(keys)))
			return
		}
		w.failures.Add(1)
		if attempt >= w.opts.Attempts || permanent(err) || ctx.Err() != nil {
			w.gaveUp.Add(1)
			w.logFailure("purge failed; gave up", err, len(keys))
			return
		}
		w.logFailure("purge failed; retrying", err, len(keys))
		d := wait
		if se, ok := errors.AsType[*StatusError](err); ok && se.RetryAfter > d {
			d = se.RetryAfter
		}
		d = min(d, w.opts.RetryMax)
		wait = min(wait*2, w.opts.RetryMax)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			w.gaveUp.Add(1)
			return
		}
	}
}

// logFailure logs at most once per Options.LogEvery for this CDN, with the
// number of failures since the last line.
func (w *worker) logFailure(msg string, err error, keys int) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	w.unreported++
	now := time.Now()
	if !w.lastLog.IsZero() && now.Sub(w.lastLog) < w.opts.LogEvery {
		return
	}
	args := []any{"cdn", w.p.Name(), "keys", keys, "failures", w.unreported}
	if err != nil {
		args = append(args, "err", err)
	}
	w.opts.Logger.Warn(msg, args...)
	w.lastLog, w.unreported = now, 0
}
