// Package httpcache is the HTTP form of a cached page, both ways: from a
// render to a cache entry (Encode: the ETag and the precompressed bodies)
// and from an entry to the wire (Policy.Write: encoding negotiation, 304,
// Age, Cache-Control, Vary and the security headers). It imports net/http
// and nothing of routing, pages or echo; the ISR engine calls Encode
// through its options and never sees a header it has to understand.
package httpcache

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"

	"github.com/goxweb/gox/framework/cache"
)

// minCompress is the body size below which compressing costs more than it
// saves.
const minCompress = 512

// brotliQuality 5 compresses a 16 KB page in about 0.1 ms; 11 takes 100
// times longer for a few percent, too slow for the render path.
const brotliQuality = 5

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

var brotliPool = sync.Pool{New: func() any {
	return brotli.NewWriterLevel(nil, brotliQuality)
}}

// Encode prepares a new render's entry for the wire before it is stored:
// gzip and brotli copies of the body unless they are set already or the
// body is too small to gain from them (a variant that is not smaller is
// dropped), and a strong ETag per representation from the body's checksum
// (e.Sum, which must be set): "<sum>" for the body as is, "<sum>-gz" and
// "<sum>-br" for the compressed copies. Each encoding is a representation
// of its own (RFC 9110 8.8.3), so a cache holding the gzip bytes never
// validates them against the identity tag. e.ETag is the identity tag;
// the header's Etag lists the three in that order so that serving picks
// one by slicing, without allocating. The page's purge keys (EntryKeys)
// are stored too, in both header forms, for the same reason; Policy.Write
// sends those its policy asks for. e.Header is replaced by a copy, never
// modified in place.
func Encode(e *cache.Entry) {
	defer setETags(e)
	if len(e.Body) < minCompress {
		return
	}
	if e.Gzip == nil {
		var b bytes.Buffer
		w := gzipPool.Get().(*gzip.Writer)
		w.Reset(&b)
		_, _ = w.Write(e.Body)
		_ = w.Close()
		gzipPool.Put(w)
		if b.Len() < len(e.Body) {
			e.Gzip = b.Bytes()
		}
	}
	if e.Brotli == nil {
		var b bytes.Buffer
		w := brotliPool.Get().(*brotli.Writer)
		w.Reset(&b)
		_, _ = w.Write(e.Body)
		_ = w.Close()
		brotliPool.Put(w)
		if b.Len() < len(e.Body) {
			e.Brotli = b.Bytes()
		}
	}
}

// Positions of the tags in a stored Etag header (see Encode).
const (
	tagIdentity = iota
	tagGzip
	tagBrotli
	tagCount
)

func setETags(e *cache.Entry) {
	sum := strconv.FormatUint(e.Sum, 36)
	e.ETag = `"` + sum + `"`
	h := http.Header(e.Header).Clone()
	if h == nil {
		h = http.Header{}
	}
	tags := []string{e.ETag}
	if e.Gzip != nil || e.Brotli != nil {
		tags = append(tags, `"`+sum+`-gz"`, `"`+sum+`-br"`)
	}
	h["Etag"] = tags
	setKeys(h, e)
	e.Header = h
}

// variantTag returns the header value of the ETag of e's body in coding c.
func variantTag(e *cache.Entry, c coding) []string {
	tags := e.Header["Etag"]
	if len(tags) == tagCount {
		return tags[c : c+1]
	}
	// An entry encoded elsewhere, with one tag: derive the others.
	if len(tags) == 0 || c == identity {
		return tags
	}
	t := strings.TrimSuffix(tags[0], `"`)
	if c == gzipCoding {
		return []string{t + `-gz"`}
	}
	return []string{t + `-br"`}
}
