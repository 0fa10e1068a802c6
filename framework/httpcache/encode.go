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
// a strong ETag from its checksum (e.Sum, which must be set), kept in its
// header so that serving copies the header as is, and gzip and brotli
// copies of the body unless they are set already or the body is too small
// to gain from them. A variant that is not smaller is dropped. e.Header is
// replaced by a copy, never modified in place.
func Encode(e *cache.Entry) {
	e.ETag = `"` + strconv.FormatUint(e.Sum, 36) + `"`
	h := http.Header(e.Header).Clone()
	if h == nil {
		h = http.Header{}
	}
	h["Etag"] = []string{e.ETag}
	e.Header = h
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
