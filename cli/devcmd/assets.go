package devcmd

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/assets/bundle"
)

// devAssets bundles the app's assets/ with one esbuild context for the
// session and serves the latest good bundle: an edit costs a rebuild of
// what changed, not a Go build, and an esbuild error becomes the error
// page while the last good files keep being served.
type devAssets struct {
	builder *bundle.Builder
	handler atomic.Pointer[http.Handler]
}

func newDevAssets(dir string) (*devAssets, error) {
	b, err := bundle.NewBuilder(dir)
	if err != nil {
		return nil, err
	}
	d := &devAssets{builder: b}
	var none http.Handler = http.NotFoundHandler()
	d.handler.Store(&none)
	return d, nil
}

// build bundles the folder as it is now and serves the result.
func (d *devAssets) build() error {
	b, err := d.builder.Build()
	if err != nil {
		return err
	}
	h := b.Handler(false)
	d.handler.Store(&h)
	return nil
}

// wrap answers asset requests from the bundle and passes the rest to next.
func (d *devAssets) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, assets.Prefix) {
			(*d.handler.Load()).ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (d *devAssets) close() { d.builder.Close() }

// bundleAssets rebuilds the assets and shows an esbuild error in the
// browser. It reports whether the bundle built.
func (s *server) bundleAssets() bool {
	err := s.assets.build()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		fmt.Fprintf(s.log, "gox dev: assets failed:\n%s\n", err)
		s.assetErr = err.Error()
	} else {
		s.assetErr = ""
	}
	s.showErrorsLocked()
	return err == nil
}

// showErrorsLocked shows the build's and the assets' errors, or clears the
// error page when there are none.
func (s *server) showErrorsLocked() {
	var msgs []string
	for _, m := range []string{s.buildErr, s.assetErr} {
		if m != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		s.proxy.ClearError()
		return
	}
	s.proxy.ShowError(strings.Join(msgs, "\n\n"))
}
