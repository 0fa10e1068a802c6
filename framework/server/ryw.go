package server

import (
	"encoding/binary"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/internal/signed"
)

// rywCookie tells gox that this browser just changed data at a given time,
// and which pages that touched: the paths and tags its action
// revalidated. Its next loads of those pages wait for renders newer than
// the write, so it reads its own write; every other page it gets from the
// cache like anyone else, and other visitors keep getting the stale page
// at once.
//
// It is signed (App.ryw), so a client cannot claim a write it did not make
// and force a render on every request. The key is per process: on another
// instance the cookie is ignored and the visitor sees the page as everyone
// does.
const rywCookie = "__gox_ryw"

// rywWindow is how long a write is remembered; the eager regeneration has
// long landed by then.
const rywWindow = 30 * time.Second

// Bounds of what the cookie names. An action that revalidated more falls
// back to the whole site for its browser: waiting for a few pages that did
// not need it costs that one visitor a little, for 30 s at most, while
// dropping the cookie would show it pages without its own write.
const (
	rywMaxItems = 32   // paths and tags together
	rywMaxBytes = 1024 // of the encoded payload
)

// Payload layout: the write time (8 bytes, Unix ns, big endian), a flags
// byte, then each item as its kind, a uvarint length and its bytes.
const (
	rywAll  = 1 << 0 // flag: every page
	rywPath = 'p'
	rywTag  = 't'
)

// rywWrite is what a cookie proves: when the browser wrote, and what the
// write covers (nil: every page).
type rywWrite struct {
	at     time.Time
	writes *isr.Writes
}

// encode returns the cookie payload of w, falling back to every page past
// the bounds.
func (w rywWrite) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(w.at.UnixNano()))
	if w.writes == nil || len(w.writes.Paths)+len(w.writes.Tags) > rywMaxItems {
		return append(b, rywAll)
	}
	b = append(b, 0)
	for _, it := range []struct {
		kind  byte
		items []string
	}{{rywPath, w.writes.Paths}, {rywTag, w.writes.Tags}} {
		for _, s := range it.items {
			b = append(b, it.kind)
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	if len(b) > rywMaxBytes {
		return append(b[:8], rywAll)
	}
	return b
}

// decodeWrite parses a cookie payload, strictly: anything but what encode
// makes is refused.
func decodeWrite(b []byte) (rywWrite, bool) {
	if len(b) < 9 || len(b) > rywMaxBytes {
		return rywWrite{}, false
	}
	w := rywWrite{at: time.Unix(0, int64(binary.BigEndian.Uint64(b)))}
	flags, rest := b[8], b[9:]
	switch {
	case flags == rywAll && len(rest) == 0:
		return w, true
	case flags != 0:
		return rywWrite{}, false
	}
	w.writes = &isr.Writes{}
	for n := 0; len(rest) > 0; n++ {
		kind := rest[0]
		l, k := binary.Uvarint(rest[1:])
		if n >= rywMaxItems || k <= 0 || l > uint64(len(rest)-1-k) {
			return rywWrite{}, false
		}
		s := string(rest[1+k : 1+k+int(l)])
		rest = rest[1+k+int(l):]
		switch kind {
		case rywPath:
			w.writes.Paths = append(w.writes.Paths, s)
		case rywTag:
			w.writes.Tags = append(w.writes.Tags, s)
		default:
			return rywWrite{}, false
		}
	}
	return w, true
}

// merge returns w extended by a later write at at of paths and tags: one
// cookie covers every write of its window, at the latest write's time.
func (w rywWrite) merge(at time.Time, paths, tags []string) rywWrite {
	if !w.at.IsZero() && w.writes == nil {
		return rywWrite{at: at} // already every page
	}
	var pp, tt []string
	if w.writes != nil {
		pp, tt = w.writes.Paths, w.writes.Tags
	}
	return rywWrite{at: at, writes: &isr.Writes{Paths: union(pp, paths), Tags: union(tt, tags)}}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// rywCookie returns the cookie of a write at at of paths and tags, merged
// with the write r's cookie already proves.
func (a *App) rywCookie(r *http.Request, at time.Time, paths, tags []string) *http.Cookie {
	prev, _ := a.rywProven(r)
	return signed.Cookie(rywCookie, a.ryw.SealBytes(prev.merge(at, paths, tags).encode()), int(rywWindow/time.Second), a.secureRequest(r))
}

// rywNotBefore returns the write time the request's cookie proves and the
// pages it covers (nil: all), or zero.
func (a *App) rywNotBefore(r *http.Request) (time.Time, *isr.Writes) {
	w, ok := a.rywProven(r)
	if !ok {
		return time.Time{}, nil
	}
	return w.at, w.writes
}

// rywProven returns the write r's cookie proves, if it is valid and
// recent.
func (a *App) rywProven(r *http.Request) (rywWrite, bool) {
	// Most requests carry no such cookie: check before parsing cookies.
	if !strings.Contains(r.Header.Get("Cookie"), rywCookie+"=") {
		return rywWrite{}, false
	}
	c, err := r.Cookie(rywCookie)
	if err != nil {
		return rywWrite{}, false
	}
	b, ok := a.ryw.OpenBytes(c.Value, rywMaxBytes)
	if !ok {
		return rywWrite{}, false
	}
	w, ok := decodeWrite(b)
	if now := time.Now(); !ok || w.at.After(now) || now.Sub(w.at) > rywWindow {
		return rywWrite{}, false
	}
	return w, true
}
