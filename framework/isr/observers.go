package isr

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// Observers returns an Observer that passes each call to every one of obs
// in turn, and each optional method (InvalidationObserver, RenderObserver,
// Flush, Close) to those of obs that have it. Nil observers are left out;
// with one left, it is returned itself.
func Observers(obs ...Observer) Observer {
	var m multiObserver
	for _, o := range obs {
		if o == nil {
			continue
		}
		if inner, ok := o.(*multiObserver); ok {
			m.all = append(m.all, inner.all...)
			continue
		}
		m.all = append(m.all, o)
	}
	switch len(m.all) {
	case 0:
		return nopObserver{}
	case 1:
		return m.all[0]
	}
	return &m
}

// multiObserver is what Observers returns for several observers.
type multiObserver struct{ all []Observer }

var (
	_ InvalidationObserver = (*multiObserver)(nil)
	_ RenderObserver       = (*multiObserver)(nil)
)

func (m *multiObserver) Served(route string, s State) {
	for _, o := range m.all {
		o.Served(route, s)
	}
}

func (m *multiObserver) Regenerating(route, key string) {
	for _, o := range m.all {
		o.Regenerating(route, key)
	}
}

func (m *multiObserver) Stored(route, key string) {
	for _, o := range m.all {
		o.Stored(route, key)
	}
}

func (m *multiObserver) Failed(route, key string, err error) {
	for _, o := range m.all {
		o.Failed(route, key, err)
	}
}

func (m *multiObserver) Invalidated(paths, tags []string, mode cache.Mode) {
	for _, o := range m.all {
		if i, ok := o.(InvalidationObserver); ok {
			i.Invalidated(paths, tags, mode)
		}
	}
}

func (m *multiObserver) Rendered(route string, took time.Duration, err error) {
	for _, o := range m.all {
		if r, ok := o.(RenderObserver); ok {
			r.Rendered(route, took, err)
		}
	}
}

// Flush flushes each observer that has a Flush method, and returns their
// errors joined.
func (m *multiObserver) Flush(ctx context.Context) error {
	var errs []error
	for _, o := range m.all {
		if f, ok := o.(interface{ Flush(context.Context) error }); ok {
			errs = append(errs, f.Flush(ctx))
		}
	}
	return errors.Join(errs...)
}

// Close closes each observer that has a Close method, and returns their
// errors joined.
func (m *multiObserver) Close() error {
	var errs []error
	for _, o := range m.all {
		if c, ok := o.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
