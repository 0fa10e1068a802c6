package server

import (
	"encoding/binary"
	"hash/fnv"
	"io/fs"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/goxweb/gox/framework/assets"
)

// devStatic serves static/ from disk in development, so new and edited
// files show without a restart. Its handlers are built (each file read and
// compressed) once, and again only when a file's name, size or
// modification time changed: a page request stats the folder, it does not
// re-compress it.
type devStatic struct {
	fsys   fs.FS
	mu     sync.Mutex
	sig    uint64
	files  map[string]http.Handler
	builds atomic.Int64 // how many times the handlers were built
}

// handler returns the handler of the file at URL path, or nil.
func (d *devStatic) handler(path string) http.Handler {
	d.mu.Lock()
	defer d.mu.Unlock()
	sig, err := d.signature()
	if err != nil {
		return nil
	}
	if d.files == nil || sig != d.sig {
		files, err := assets.Static(d.fsys)
		if err != nil {
			return nil
		}
		d.files, d.sig = files, sig
		d.builds.Add(1)
	}
	return d.files[path]
}

// signature hashes the name, size and modification time of every file.
func (d *devStatic) signature() (uint64, error) {
	h := fnv.New64a()
	var buf [16]byte
	err := fs.WalkDir(d.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		binary.LittleEndian.PutUint64(buf[:8], uint64(info.Size()))
		binary.LittleEndian.PutUint64(buf[8:], uint64(info.ModTime().UnixNano()))
		h.Write(buf[:])
		return nil
	})
	return h.Sum64(), err
}
