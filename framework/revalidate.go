package gox

import (
	"context"
	"errors"
	"fmt"

	"github.com/goxweb/gox/framework/revalidate"
)

// errNoApp reports a revalidation outside any app.
var errNoApp = errors.New("gox: no app in context and none started by gox.Run")

// RevalidateTag marks every page carrying one of tags stale. Visitors keep
// getting the old page while gox regenerates it in the background, starting
// at once with the most requested pages. ctx is a request's, a render's or
// any context in a program started by gox.Run.
func RevalidateTag(ctx context.Context, tags ...string) error {
	a := appFrom(ctx)
	if a == nil {
		return errNoApp
	}
	_, err := a.RevalidateTag(ctx, tags...)
	return err
}

// RevalidatePath marks the pages at paths stale, whatever their query.
// Paths are written as in links: "/products/1/" is the page at
// "/products/1"; a path no request could reach is an error.
func RevalidatePath(ctx context.Context, paths ...string) error {
	a := appFrom(ctx)
	if a == nil {
		return errNoApp
	}
	_, err := a.RevalidatePath(ctx, paths...)
	return err
}

// ExpireTag makes the next request of each page carrying one of tags wait
// for a fresh render (Next.js: updateTag).
func ExpireTag(ctx context.Context, tags ...string) error {
	a := appFrom(ctx)
	if a == nil {
		return errNoApp
	}
	_, err := a.ExpireTag(ctx, tags...)
	return err
}

// ExpirePath makes the next request of the pages at paths wait for a fresh
// render.
func ExpirePath(ctx context.Context, paths ...string) error {
	a := appFrom(ctx)
	if a == nil {
		return errNoApp
	}
	_, err := a.ExpirePath(ctx, paths...)
	return err
}

// canonicalPaths returns paths spelled as the cache keys them, so that a
// trailing slash or a doubled slash does not silently miss the page.
func canonicalPaths(paths []string) ([]string, error) {
	out := make([]string, len(paths))
	for i, p := range paths {
		c, err := revalidate.CanonicalPath(p)
		if err != nil {
			return nil, fmt.Errorf("gox: %w", err)
		}
		out[i] = c
	}
	return out, nil
}
