package isr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// regenerate renders job and hands the result to the store. The entry is
// returned as soon as it is encoded: the write follows in its own
// goroutine (see keep), so the callers waiting on the render never wait on
// the store. On failure it records the error, on prev (the last good entry,
// kept) or in memory when there is none, and backs off further retries.
func (e *Engine) regenerate(job Job, prev *cache.Entry) (*cache.Entry, error) {
	key := string(job.Key)
	start := time.Now()
	e.obs.Regenerating(job.Route.Name, key)
	res, err := e.render(job)
	if err == nil {
		err = res.storable()
	}
	if errors.Is(err, ErrClosed) {
		// Abandoned at shutdown: nothing is wrong with the page.
		return nil, fmt.Errorf("isr render %s: %w", string(job.Key), err)
	}
	if e.rndObs != nil {
		e.rndObs.Rendered(job.Route.Name, time.Since(start), err)
	}
	if err != nil {
		e.obs.Failed(job.Route.Name, key, err)
		werr := fmt.Errorf("isr render %s: %w", key, err)
		e.fail(key, prev, err, werr)
		return nil, werr
	}
	e.failures.Invalidate(key)
	if e.log.Enabled(e.ctx, slog.LevelDebug) {
		e.log.Debug("isr rendered", "key", key, "route", job.Route.Name, "status", res.Status,
			"bytes", len(res.Body), "duration", time.Since(start))
	}
	ent := e.entry(job, res, start, prev)
	if e.opts.Encode != nil {
		e.opts.Encode(ent)
	}
	if e.own(prev) && prev.Sum == ent.Sum && prev.Status == ent.Status && slices.Equal(prev.Tags, ent.Tags) &&
		sameHeader(prev.Header, ent.Header) {
		// Same bytes and headers: refresh the freshness only, never
		// rewrite the body. (Another build's entry is never updated: this
		// build writes an entry of its own, with the same bodies.)
		m := cache.Meta{GeneratedAt: ent.GeneratedAt, FreshUntil: ent.FreshUntil, BuildID: ent.BuildID}
		e.keep(ent, func(ctx context.Context) {
			if err := e.store.SetMeta(ctx, key, m); err != nil {
				e.faults.warn(e.log, "isr store meta failed", "key", key, "err", err)
			}
		})
		return ent, nil
	}
	e.keep(ent, func(ctx context.Context) {
		if err := e.store.Put(ctx, ent); err != nil {
			// The page was served; it could not be kept. A store that is
			// down fails every write: one line a second says so.
			e.faults.warn(e.log, "isr store failed; the page was served, not kept", "key", key, "err", err)
			return
		}
		e.obs.Stored(job.Route.Name, key)
	})
	return ent, nil
}

// write is a store write of a rendered entry that has not completed yet.
// Until it has, the engine reads the entry from here rather than from the
// store, so a request right after a miss neither waits nor renders again.
type write struct {
	ent  *cache.Entry
	done chan struct{} // closed when the write has completed
	// revalidated and expired are the stamps of invalidations that covered
	// ent while it was being written (guarded by Engine.wmu).
	revalidated, expired time.Time
}

// keep runs do, the store write of ent, after any earlier write of ent's
// key still in flight, so a key's writes land in the order of its renders.
// It runs do in its own goroutine, which Close waits for, unless
// maxPendingWrites are already running or the engine is closing: then in
// place, before returning.
func (e *Engine) keep(ent *cache.Entry, do func(context.Context)) {
	w := &write{ent: ent, done: make(chan struct{})}
	e.wmu.Lock()
	// An invalidation since the render started may cover ent, which the
	// store did not hold then: it counts, conservatively, whatever it
	// covered (stampWrites takes the ones that come later).
	if t := e.lastRevalidated.get(); !t.Before(ent.GeneratedAt) {
		w.revalidated = t
	}
	if t := e.lastExpired.get(); !t.Before(ent.GeneratedAt) {
		w.expired = t
	}
	before := e.writes[ent.Key]
	e.writes[ent.Key] = w
	async := false
	if !e.wclosed {
		select {
		case e.wslots <- struct{}{}:
			async = true
			e.wwg.Add(1)
		default:
		}
	}
	e.wmu.Unlock()
	run := func() {
		if before != nil {
			<-before.done
		}
		do(context.WithoutCancel(e.ctx))
		e.wmu.Lock()
		if e.writes[ent.Key] == w {
			delete(e.writes, ent.Key)
		}
		e.wmu.Unlock()
		close(w.done)
	}
	if !async {
		run()
		return
	}
	go func() {
		defer e.wwg.Done()
		defer func() { <-e.wslots }()
		run()
	}()
}

// settle waits for the writes of key in flight.
func (e *Engine) settle(key string) {
	e.wmu.Lock()
	w := e.writes[key]
	e.wmu.Unlock()
	if w != nil {
		<-w.done
	}
}

// lookup reads key through get, or from its write in flight when there
// is one: that entry is newer than anything stored.
func (e *Engine) lookup(ctx context.Context, key string, get func(context.Context, string) (cache.Lookup, error)) (cache.Lookup, error) {
	e.wmu.Lock()
	w := e.writes[key]
	var l cache.Lookup
	if w != nil {
		l = cache.Lookup{Entry: w.ent, RevalidatedAt: w.revalidated, ExpiredAt: w.expired}
	}
	e.wmu.Unlock()
	if w != nil {
		return l, nil
	}
	return get(ctx, key)
}

// stampWrites applies an invalidation at now to the entries being written
// that it covers, and returns their keys: the store stamps only the
// entries it holds already.
func (e *Engine) stampWrites(paths, tags []string, now time.Time, mode cache.Mode) []string {
	if mode == cache.Expire {
		e.lastExpired.raise(now)
	} else {
		e.lastRevalidated.raise(now)
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	var keys []string
	for key, w := range e.writes {
		if !slices.Contains(paths, w.ent.Path()) && !slices.ContainsFunc(w.ent.Tags, func(t string) bool { return slices.Contains(tags, t) }) {
			continue
		}
		if mode == cache.Expire {
			w.expired = now
		} else {
			w.revalidated = now
		}
		keys = append(keys, key)
	}
	return keys
}

// render runs the route's Render with the render timeout, turning a panic into an
// error. A render that ignores its context is abandoned at the timeout.
func (e *Engine) render(job Job) (Result, error) {
	if e.ctx.Err() != nil {
		// Closed or abandoned: no new render starts (a flight that got
		// here through a lookup the closing cut short would render).
		return Result{}, ErrClosed
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.opts.RenderTimeout)
	defer cancel()
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				e.log.Error("isr render panicked", "key", string(job.Key), "panic", p, "stack", string(debug.Stack()))
				done <- outcome{err: panicError{p}}
			}
		}()
		res, err := job.Route.render(ctx, job.Key, job.Params)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		if e.ctx.Err() != nil {
			return Result{}, ErrClosed
		}
		return Result{}, ErrTimeout
	}
}

// entry builds the cache entry of a successful render that started at start.
func (e *Engine) entry(job Job, res Result, start time.Time, prev *cache.Entry) *cache.Entry {
	sum := xxhash.Sum64(res.Body)
	revalidate := res.Revalidate
	if res.Status == statusNotFound {
		revalidate = e.opts.NotFoundRevalidate
	}
	ent := &cache.Entry{
		Key:         string(job.Key),
		Route:       job.Route.Name,
		Status:      res.Status,
		Header:      res.Header,
		Body:        res.Body,
		Sum:         sum,
		GeneratedAt: start,
		Tags:        res.Tags,
		BuildID:     e.opts.BuildID,
	}
	if revalidate > 0 {
		ent.FreshUntil = start.Add(revalidate)
	}
	if prev != nil && prev.Sum == sum {
		// The same bytes: their compressed copies are made already. The
		// headers are the render's own, which may differ with the same body
		// (a route.go handler's Content-Type, say).
		ent.ETag, ent.Gzip, ent.Brotli = prev.ETag, prev.Gzip, prev.Brotli
	}
	return ent
}

// sameHeader reports whether a and b hold the same fields and values, a
// nil header being an empty one. Both are encoded (Options.Encode), so the
// fields it derives from the body and the tags compare equal when those do.
func sameHeader(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, slices.Equal)
}

// panicError is a render that panicked; the panic was logged with its
// stack where it was recovered.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }

// failure is the last failed render of a key that has no good entry.
type failure struct {
	n       int       // consecutive failures
	retryAt time.Time // no render before it
	err     error
}

// backingOff returns the error a request for key gets without a render
// while key has no good entry and its last failure's retry is not due.
func (e *Engine) backingOff(key string, now time.Time) error {
	f, ok := e.failures.GetIfPresent(key)
	if !ok || !now.Before(f.retryAt) {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrBackoff, f.err)
}

// backoff is the wait before the retry after n consecutive failures.
func (e *Engine) backoff(n int) time.Duration {
	d := e.opts.RetryBase << min(n-1, 30)
	if d <= 0 || d > e.opts.RetryMax {
		d = e.opts.RetryMax
	}
	return d
}

// fail records a failed regeneration (err; werr is it with its context)
// and pushes its next retry out exponentially, so a broken page is not
// rendered on every request: on the last good entry, in the store, or in
// memory (bounded by Options.RecentKeys) for a key that has none of this
// build (another build's entry, served meanwhile, is never changed). It
// logs once per failed render; a panic was logged where it was recovered.
func (e *Engine) fail(key string, prev *cache.Entry, err, werr error) {
	if _, ok := errors.AsType[panicError](err); !ok {
		e.log.Warn("isr render failed", "key", key, "err", err)
	}
	if !e.own(prev) {
		n := 1
		if f, ok := e.failures.GetIfPresent(key); ok {
			n = f.n + 1
		}
		e.failures.Set(key, &failure{n: n, retryAt: time.Now().Add(e.backoff(n)), err: werr})
		return
	}
	failures := prev.Failures + 1
	m := cache.Meta{
		GeneratedAt: prev.GeneratedAt,
		FreshUntil:  prev.FreshUntil,
		BuildID:     prev.BuildID,
		LastError:   err.Error(),
		Failures:    failures,
		RetryAt:     time.Now().Add(e.backoff(failures)),
	}
	// The last good entry may still be on its way to the store.
	e.settle(key)
	if err := e.store.SetMeta(context.WithoutCancel(e.ctx), key, m); err != nil {
		e.faults.warn(e.log, "isr record failure failed", "key", key, "err", err)
	}
}

// own reports whether ent was rendered by this build. Another build's
// entry (in a cache two builds share) is served stale until this build
// has rendered its own, and is never updated.
func (e *Engine) own(ent *cache.Entry) bool {
	return ent != nil && ent.BuildID == e.opts.BuildID
}

// retryAt returns when ent's key may be rendered again after failures:
// the time recorded on ent, or, for another build's entry, the time this
// engine keeps in memory.
func (e *Engine) retryAt(ent *cache.Entry) time.Time {
	if e.own(ent) {
		return ent.RetryAt
	}
	if f, ok := e.failures.GetIfPresent(ent.Key); ok {
		return f.retryAt
	}
	return time.Time{}
}

// stamp is the time of the latest invalidation of a mode.
type stamp struct{ ns atomic.Int64 }

func (s *stamp) get() time.Time {
	if ns := s.ns.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// raise moves s to t unless it is later already.
func (s *stamp) raise(t time.Time) {
	for {
		old := s.ns.Load()
		if old >= t.UnixNano() || s.ns.CompareAndSwap(old, t.UnixNano()) {
			return
		}
	}
}
