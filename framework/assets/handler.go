package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// file is one servable file with everything computed up front.
type file struct {
	body, gzip, brotli []byte
	ctype, etag        []string
}

var (
	immutable    = []string{"public, max-age=31536000, immutable"}
	revalidate   = []string{"public, max-age=0, must-revalidate"}
	noCache      = []string{"no-cache"}
	noStore      = []string{"no-store"}
	varyEnc      = []string{"Accept-Encoding"}
	encBr        = []string{"br"}
	encGzip      = []string{"gzip"}
	nosniff      = []string{"nosniff"}
	compressible = map[string]bool{".js": true, ".css": true, ".map": true, ".svg": true, ".json": true, ".txt": true, ".html": true, ".xml": true}
)

func newFile(name string, body []byte) *file {
	sum := sha256.Sum256(body)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	f := &file{body: body, ctype: []string{ctype}, etag: []string{`"` + hex.EncodeToString(sum[:12]) + `"`}}
	if compressible[path.Ext(name)] && len(body) > 512 {
		var g bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if g.Len() < len(body) {
			f.gzip = g.Bytes()
		}
		var b bytes.Buffer
		bw := brotli.NewWriterLevel(&b, 9)
		bw.Write(body)
		bw.Close()
		if b.Len() < len(body) {
			f.brotli = b.Bytes()
		}
	}
	return f
}

// serve writes f; cacheControl says how long it may be kept.
func (f *file) serve(w http.ResponseWriter, r *http.Request, cacheControl []string) {
	h := w.Header()
	h["Content-Type"], h["Etag"], h["Cache-Control"] = f.ctype, f.etag, cacheControl
	h["X-Content-Type-Options"] = nosniff
	if f.gzip != nil || f.brotli != nil {
		h["Vary"] = varyEnc
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, f.etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	ae := r.Header.Get("Accept-Encoding")
	switch {
	case f.brotli != nil && strings.Contains(ae, "br"):
		body, h["Content-Encoding"] = f.brotli, encBr
	case f.gzip != nil && strings.Contains(ae, "gzip"):
		body, h["Content-Encoding"] = f.gzip, encGzip
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// Handler serves the bundle under Prefix. Hashed production files are
// immutable for a year; development files, and Raw's files not named by
// hash, are always revalidated.
//
// A request for an entry point under another hash (app-OLDHASH.css) or
// none (app.css) is redirected to the current file: a page rendered by an
// older build is served stale once after a deploy, and its stylesheet and
// script must still load. The redirect is never cached, since the next
// build moves it again.
func (b *Bundle) Handler(production bool) http.Handler {
	files := map[string]*file{}
	for name, body := range b.files {
		files[name] = newFile(name, body)
	}
	cc := noCache
	if production {
		cc = immutable
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		if f := files[name]; f != nil {
			if b.mutable[name] {
				f.serve(w, r, noCache)
				return
			}
			f.serve(w, r, cc)
			return
		}
		if current, ok := b.current(name); ok {
			w.Header()["Cache-Control"] = noStore
			http.Redirect(w, r, Prefix+current, http.StatusTemporaryRedirect)
			return
		}
		http.NotFound(w, r)
	})
}

// current returns the file now built for the entry point a file name
// stands for: "app-OLDHASH.css" and "app.css" both stand for "app.css".
func (b *Bundle) current(name string) (string, bool) {
	if f, ok := b.manifest[name]; ok {
		return f, true
	}
	// Hashes have no dash; names may (my-app-OLDHASH.css).
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	i := strings.LastIndex(stem, "-")
	if i < 0 || !isHash(stem[i+1:]) {
		return "", false
	}
	f, ok := b.manifest[stem[:i]+ext]
	return f, ok
}

// isHash reports whether s looks like an esbuild content hash.
func isHash(s string) bool {
	return s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// Static returns the files of an app's static/ folder by URL path
// ("/favicon.svg"), each with its handler: served as is, with an ETag,
// revalidated by browsers. Dot files are never served.
func Static(fsys fs.FS) (map[string]http.Handler, error) {
	out := map[string]http.Handler{}
	err := walkFiles(fsys, func(p string, body []byte) error {
		f := newFile(p, body)
		out["/"+p] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, revalidate) })
		return nil
	})
	return out, err
}

// walkFiles calls fn with each regular file of fsys and its bytes, skipping
// dot files and dot folders: they are never served.
func walkFiles(fsys fs.FS, fn func(p string, body []byte) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return fn(p, body)
	})
}
