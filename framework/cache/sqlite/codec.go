package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// An entry's header and tags are stored as compact binary blobs: a
// uvarint count, then uvarint-length-prefixed strings. They are decoded on
// every read from the file, where JSON would cost more than the query.

// encoded is what Put computes from an entry before its transaction.
type encoded struct {
	tags, header []byte
	aux          uint64 // auxSum of the blobs
}

func encode(e *cache.Entry) encoded {
	enc := encoded{tags: encodeStrings(e.Tags), header: encodeHeader(e.Header)}
	enc.aux = auxSum(enc.tags, enc.header, e.Gzip, e.Brotli)
	return enc
}

// auxSum is the checksum of everything served besides the body, so that
// a corrupt compressed variant or header is caught like a corrupt body.
// Each part is length-prefixed: moving bytes between parts changes it.
func auxSum(parts ...[]byte) uint64 {
	d := xxhash.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		d.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		d.Write(p)
	}
	return d.Sum64()
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeStrings(ss []string) []byte {
	if len(ss) == 0 {
		return nil
	}
	b := binary.AppendUvarint(nil, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// encodeHeader writes names in sorted order, so that equal headers give
// equal blobs.
func encodeHeader(h http.Header) []byte {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b := binary.AppendUvarint(nil, uint64(len(names)))
	for _, name := range names {
		b = appendString(b, name)
		b = binary.AppendUvarint(b, uint64(len(h[name])))
		for _, v := range h[name] {
			b = appendString(b, v)
		}
	}
	return b
}

var errTruncated = errors.New("truncated blob")

// decoder reads what the append functions wrote.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)) {
		// No count or length can exceed the bytes left: this also
		// bounds the allocations a corrupt blob can cause.
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > len(d.b) {
		d.err = errTruncated
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}

func decodeStrings(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b}
	ss := make([]string, d.uvarint())
	for i := range ss {
		ss[i] = d.string()
	}
	return ss, d.done()
}

func decodeHeader(b []byte) (http.Header, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b}
	n := d.uvarint()
	h := make(http.Header, n)
	for range n {
		name := d.string()
		vs := make([]string, d.uvarint())
		for i := range vs {
			vs[i] = d.string()
		}
		h[name] = vs
	}
	return h, d.done()
}

// unixNano returns t as stored: Unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// unixTime is the inverse of unixNano.
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
