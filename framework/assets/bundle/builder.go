package bundle

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/goxweb/gox/framework/assets"
)

// Builder bundles one folder again and again in development. It keeps an
// esbuild context between builds, so a rebuild reads and parses only the
// files that changed. It is safe for concurrent use.
type Builder struct {
	abs string

	mu      sync.Mutex
	entries []string
	ctx     api.BuildContext // nil until the first build with entry points
}

// NewBuilder returns a development builder for the folder dir. Nothing is
// read before the first Build.
func NewBuilder(dir string) (*Builder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return &Builder{abs: abs}, nil
}

// Build bundles the folder as it is now, with development names (app.js)
// and inline source maps.
func (b *Builder) Build() (*assets.Bundle, error) {
	entries, err := entryPoints(b.abs)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(entries) == 0 {
		b.closeLocked()
		return assets.New(nil, nil)
	}
	// The entry points are fixed for a context's life: a new or removed
	// top-level file takes a new one.
	if b.ctx == nil || !slices.Equal(entries, b.entries) {
		b.closeLocked()
		ctx, cerr := api.Context(buildOptions(b.abs, entries, false))
		if cerr != nil {
			return nil, buildError(cerr.Errors)
		}
		b.ctx, b.entries = ctx, entries
	}
	return result(b.ctx.Rebuild())
}

// Close releases the esbuild context.
func (b *Builder) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closeLocked()
}

func (b *Builder) closeLocked() {
	if b.ctx != nil {
		b.ctx.Dispose()
		b.ctx, b.entries = nil, nil
	}
}
