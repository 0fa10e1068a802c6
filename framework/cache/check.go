package cache

import (
	"errors"
	"fmt"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Checked validates e before a store keeps it and returns it, or a copy
// with its Sum filled in when Sum is zero. An entry without a key is
// refused; a Sum that does not match the xxhash64 of Body is refused with
// an error wrapping ErrCorrupt. Every backend's Put calls it first.
func Checked(e *Entry) (*Entry, error) {
	if e == nil || e.Key == "" {
		return nil, errors.New("entry without a key")
	}
	sum := xxhash.Sum64(e.Body)
	switch e.Sum {
	case sum:
		return e, nil
	case 0:
		c := *e
		c.Sum = sum
		return &c, nil
	}
	return nil, fmt.Errorf("%s: sum %#x does not match the body: %w", e.Key, e.Sum, ErrCorrupt)
}

// Stamp is the latest invalidation of one tag or path in each mode; zero
// times mean none.
type Stamp struct {
	RevalidatedAt, ExpiredAt time.Time
}

// Raise returns s with its stamp for mode m moved up to at; an older time
// never replaces a newer one.
func (s Stamp) Raise(at time.Time, m Mode) Stamp {
	if m == Expire {
		s.ExpiredAt = later(s.ExpiredAt, at)
	} else {
		s.RevalidatedAt = later(s.RevalidatedAt, at)
	}
	return s
}

// Max returns the later of s and o in each mode.
func (s Stamp) Max(o Stamp) Stamp {
	return Stamp{RevalidatedAt: later(s.RevalidatedAt, o.RevalidatedAt), ExpiredAt: later(s.ExpiredAt, o.ExpiredAt)}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Covering returns the stamps that cover e: the latest over the stamp of
// e's path and those of its tags, looked up with path and tag (which
// return a zero Stamp for a name without one). Every backend's Get builds
// its Lookup with it.
func Covering(e *Entry, path, tag func(name string) Stamp) Stamp {
	st := path(e.Path())
	for _, t := range e.Tags {
		st = st.Max(tag(t))
	}
	return st
}

// LookupOf returns the Lookup of e covered by st.
func LookupOf(e *Entry, st Stamp) Lookup {
	return Lookup{Entry: e, RevalidatedAt: st.RevalidatedAt, ExpiredAt: st.ExpiredAt}
}
