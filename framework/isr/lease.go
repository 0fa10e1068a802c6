package isr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Polling while another process holds a key's lease: the first wait, and
// the longest (the waits double in between).
const (
	leasePollMin = 10 * time.Millisecond
	leasePollMax = 200 * time.Millisecond
	// leaseTimeout bounds taking a lease (see tryLease): long enough for
	// a busy machine's SQLite write, short enough that a file another
	// program holds locked costs a miss one second, not the busy timeout.
	leaseTimeout = time.Second
)

// errLeased reports a background regeneration that found the key's lease
// held by another process, which renders it. A request that joined that
// regeneration's single flight starts its own, which waits.
var errLeased = errors.New("isr: another process holds the lease")

// leased renders job under the store's lease, so that processes and hosts
// sharing the store render a key once between them. Without wait (a
// background regeneration) a lease held elsewhere ends it: another
// process is regenerating. With wait (a request that has no page to
// serve: a miss, an expired page, a read of one's own write) it polls the
// store for the holder's entry, taking the lease over if the holder dies
// and it lapses, and renders by itself after Options.LeaseWait.
//
// done reports whether a lookup already answers the caller (another
// process's render); prev is the caller's last good entry.
func (e *Engine) leased(job Job, prev *cache.Entry, wait bool, done func(cache.Lookup) bool) (*cache.Entry, error) {
	key := string(job.Key)
	owner := e.owner + "-" + strconv.FormatInt(e.leases.Add(1), 10)
	deadline := time.Now().Add(e.opts.LeaseWait)
	delay := leasePollMin
	// A lease this engine took for an earlier render of the key is given
	// back once that render's write lands, soon: wait for it rather than
	// take it for another process's.
	if err := e.waitOwnLease(key); err != nil {
		return nil, err
	}
	for {
		held, err := e.tryLease(key, owner)
		if err != nil {
			if e.ctx.Err() != nil {
				return nil, fmt.Errorf("isr render %s: %w", key, ErrClosed)
			}
			e.faults.warn(e.log, "isr lease failed; rendering without it", "key", key, "err", err)
			if !wait {
				return nil, errLeased
			}
			return e.regenerate(job, prev)
		}
		if held {
			return e.renderHeld(job, prev, owner, done)
		}
		if !wait {
			return nil, errLeased
		}
		if !time.Now().Before(deadline) {
			// The holder is slow or stuck: render here too. The store
			// keeps whichever render started last.
			return e.regenerate(job, prev)
		}
		select {
		case <-e.ctx.Done():
			return nil, fmt.Errorf("isr render %s: %w", key, ErrClosed)
		case <-time.After(delay):
		}
		delay = min(2*delay, leasePollMax)
		if l, err := e.lookup(e.ctx, key, e.reload); err == nil && done(l) {
			return l.Entry, nil
		}
	}
}

// errLeaseSlow reports a store that did not answer a lease within
// leaseTimeout.
var errLeaseSlow = errors.New("the store did not answer in time")

// tryLease takes owner's lease on key, or gives up after leaseTimeout: a
// store that cannot answer sooner (a file another program holds locked,
// an unreachable Redis) must not hold up a request that has nothing to
// serve, which then renders without the lease. A lease taken after the
// engine gave up is given back.
func (e *Engine) tryLease(key, owner string) (bool, error) {
	type result struct {
		held bool
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		held, err := e.leaser.Lease(e.ctx, key, owner, e.opts.LeaseTTL)
		ch <- result{held, err}
	}()
	timer := time.NewTimer(leaseTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.held, r.err
	case <-timer.C:
	}
	e.goLease(func() {
		if r := <-ch; r.held {
			e.release(key, owner, func() {}, nil)
		}
	})
	return false, errLeaseSlow
}

// renderHeld renders job while owner holds its lease, renewing it, and
// releases it once the render's write has landed, so that no other
// process takes the lease, finds nothing stored yet and renders again.
func (e *Engine) renderHeld(job Job, prev *cache.Entry, owner string, done func(cache.Lookup) bool) (*cache.Entry, error) {
	key := string(job.Key)
	stop := e.renew(key, owner)
	released := make(chan struct{})
	e.heldMu.Lock()
	e.held[key] = released
	e.heldMu.Unlock()
	// Another process may have stored the key since the caller looked.
	l, err := e.lookup(e.ctx, key, e.reload)
	if err == nil && done(l) {
		e.release(key, owner, stop, released)
		return l.Entry, nil
	}
	if err == nil {
		prev = l.Entry
	}
	ent, err := e.regenerate(job, prev)
	e.release(key, owner, stop, released)
	return ent, err
}

// renew renews owner's lease on key every third of Options.LeaseTTL until
// the returned function is called, and at most for the render timeout
// plus one LeaseTTL: a process that dies stops renewing, and its lease
// lapses within LeaseTTL.
func (e *Engine) renew(key, owner string) (stop func()) {
	ctx, cancel := context.WithTimeout(e.ctx, e.opts.RenderTimeout+e.opts.LeaseTTL)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(e.opts.LeaseTTL / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if held, err := e.leaser.Lease(ctx, key, owner, e.opts.LeaseTTL); err != nil && ctx.Err() == nil {
				e.faults.warn(e.log, "isr lease renewal failed", "key", key, "err", err)
			} else if err == nil && !held {
				e.log.Warn("isr lease lost while rendering; another process may render the key too", "key", key)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// release stops renewing owner's lease on key and gives it up after the
// key's writes in flight have landed, without holding up the caller; then
// it closes released (when not nil), for waitOwnLease.
//
// Once Close has begun waiting for the releases, a render that ends later
// (a request's, which Close does not wait for) gives nothing back: the
// store may be closed by then, and the lease lapses by itself.
func (e *Engine) release(key, owner string, stopRenew func(), released chan struct{}) {
	done := func() {
		if released == nil {
			return
		}
		e.heldMu.Lock()
		if e.held[key] == released {
			delete(e.held, key)
		}
		e.heldMu.Unlock()
		close(released)
	}
	if !e.goLease(func() {
		e.settle(key)
		stopRenew()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), e.opts.LeaseTTL)
		defer cancel()
		if err := e.leaser.Release(ctx, key, owner); err != nil {
			e.faults.warn(e.log, "isr lease release failed; it lapses by itself", "key", key, "err", err)
		}
		done()
	}) {
		stopRenew()
		done()
	}
}

// goLease runs f in a goroutine Close waits for, unless Close has begun
// waiting for them: then it reports false and runs nothing.
func (e *Engine) goLease(f func()) bool {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	if e.lclosed {
		return false
	}
	e.lwg.Go(f)
	return true
}

// waitOwnLease waits until this engine no longer holds key's lease.
func (e *Engine) waitOwnLease(key string) error {
	e.heldMu.Lock()
	released := e.held[key]
	e.heldMu.Unlock()
	if released == nil {
		return nil
	}
	select {
	case <-released:
		return nil
	case <-e.ctx.Done():
		return fmt.Errorf("isr render %s: %w", key, ErrClosed)
	}
}

// answers reports whether l answers a request for job that found prev
// unusable (nil: nothing stored): this build's entry (another build's,
// however new, is the page of other templates), not expired, not older
// than the request's read-your-writes bound, and newer than prev.
func (e *Engine) answers(job Job, l cache.Lookup, prev *cache.Entry) bool {
	return e.own(l.Entry) && !isExpired(l) && !l.Entry.GeneratedAt.Before(job.NotBefore) &&
		(prev == nil || l.Entry.GeneratedAt.After(prev.GeneratedAt))
}

// faultLog logs each kind of store fault (each message) at most once a
// second, with the number of like faults since its last line: a store that
// is down must not cost a log line per request, and one kind of fault
// must not hide another's first line. The messages are constants, so the
// kinds are few.
type faultLog struct {
	mu    sync.Mutex
	kinds map[string]*faultKind
}

// faultKind is the limiter of one kind of fault.
type faultKind struct {
	last    atomic.Int64 // unix nanoseconds of the last line
	dropped atomic.Int64
}

func (f *faultLog) warn(log *slog.Logger, msg string, args ...any) {
	f.mu.Lock()
	k := f.kinds[msg]
	if k == nil {
		if f.kinds == nil {
			f.kinds = map[string]*faultKind{}
		}
		k = &faultKind{}
		f.kinds[msg] = k
	}
	f.mu.Unlock()
	now := time.Now().UnixNano()
	last := k.last.Load()
	if now-last < int64(time.Second) || !k.last.CompareAndSwap(last, now) {
		k.dropped.Add(1)
		return
	}
	if n := k.dropped.Swap(0); n > 0 {
		args = append(args, "like_faults_since_last_line", n)
	}
	log.Warn(msg, args...)
}
