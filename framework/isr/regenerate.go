package isr

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// regenerate renders job and stores the result. On failure it records the
// error on prev (the last good entry, kept) and backs off further retries.
func (e *Engine) regenerate(job Job, prev *cache.Entry) (*cache.Entry, error) {
	start := time.Now()
	e.obs.Regenerating(job.Route.Name, string(job.Key))
	res, err := e.render(job)
	if err == nil {
		err = res.storable()
	}
	if errors.Is(err, ErrClosed) {
		// Abandoned at shutdown: nothing is wrong with the page.
		return nil, fmt.Errorf("isr render %s: %w", string(job.Key), err)
	}
	if err != nil {
		e.obs.Failed(job.Route.Name, string(job.Key), err)
		e.fail(string(job.Key), prev, err)
		return nil, fmt.Errorf("isr render %s: %w", string(job.Key), err)
	}
	ent := e.entry(job, res, start, prev)
	ctx := context.WithoutCancel(e.ctx)
	if prev != nil && prev.Sum == ent.Sum && prev.Status == ent.Status && slices.Equal(prev.Tags, ent.Tags) {
		// Same bytes: refresh the freshness only, never rewrite the body.
		m := cache.Meta{GeneratedAt: ent.GeneratedAt, FreshUntil: ent.FreshUntil, BuildID: ent.BuildID}
		if err := e.store.SetMeta(ctx, string(job.Key), m); err != nil {
			e.log.Warn("isr store meta failed", "key", string(job.Key), "err", err)
		}
		return ent, nil
	}
	if e.opts.Encode != nil {
		e.opts.Encode(ent)
	}
	if err := e.store.Put(ctx, ent); err != nil {
		// The page is good; serve it even though it could not be kept.
		e.log.Error("isr store failed", "key", string(job.Key), "err", err)
		return ent, nil
	}
	e.obs.Stored(job.Route.Name, string(job.Key))
	return ent, nil
}

// render runs the route's Render with the render timeout, turning a panic into an
// error. A render that ignores its context is abandoned at the timeout.
func (e *Engine) render(job Job) (Result, error) {
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
				done <- outcome{err: fmt.Errorf("panic: %v", p)}
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
		// The same bytes: what Encode made of them is stored already.
		ent.Header, ent.ETag, ent.Gzip, ent.Brotli = prev.Header, prev.ETag, prev.Gzip, prev.Brotli
	}
	return ent
}

// fail records a failed regeneration on the last good entry and pushes its
// next retry out exponentially, so a broken page is not rendered on every
// request.
func (e *Engine) fail(key string, prev *cache.Entry, err error) {
	e.log.Warn("isr render failed", "key", key, "err", err)
	if prev == nil {
		return
	}
	failures := prev.Failures + 1
	backoff := e.opts.RetryBase << min(failures-1, 30)
	if backoff <= 0 || backoff > e.opts.RetryMax {
		backoff = e.opts.RetryMax
	}
	m := cache.Meta{
		GeneratedAt: prev.GeneratedAt,
		FreshUntil:  prev.FreshUntil,
		BuildID:     prev.BuildID,
		LastError:   err.Error(),
		Failures:    failures,
		RetryAt:     time.Now().Add(backoff),
	}
	if err := e.store.SetMeta(context.WithoutCancel(e.ctx), key, m); err != nil {
		e.log.Warn("isr record failure failed", "key", key, "err", err)
	}
}
