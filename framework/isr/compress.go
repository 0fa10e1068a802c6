package isr

import (
	"bytes"
	"compress/gzip"
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

// compress fills ent.Gzip and ent.Brotli unless they are set already or the
// body is too small to gain from it. A variant that is not smaller is
// dropped.
func compress(ent *cache.Entry) {
	if len(ent.Body) < minCompress {
		return
	}
	if ent.Gzip == nil {
		var b bytes.Buffer
		w := gzipPool.Get().(*gzip.Writer)
		w.Reset(&b)
		_, _ = w.Write(ent.Body)
		_ = w.Close()
		gzipPool.Put(w)
		if b.Len() < len(ent.Body) {
			ent.Gzip = b.Bytes()
		}
	}
	if ent.Brotli == nil {
		var b bytes.Buffer
		w := brotliPool.Get().(*brotli.Writer)
		w.Reset(&b)
		_, _ = w.Write(ent.Body)
		_ = w.Close()
		brotliPool.Put(w)
		if b.Len() < len(ent.Body) {
			ent.Brotli = b.Bytes()
		}
	}
}
