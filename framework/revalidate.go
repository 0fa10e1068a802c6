package gox

import (
	"context"
	"errors"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/server"
)

// RevalidateTag marks every page carrying one of tags stale. Visitors keep
// getting the old page while gox regenerates it in the background,
// starting at once with the most requested pages. ctx is an action's Ctx, a
// request's or a render's context, or any context in a program started by
// Run. In an action, the browser that posted it then sees its own write:
// for 30 s its loads of the pages carrying tags wait for renders newer
// than the write (X-Gox-Cache: RYW); its other pages come from the cache.
func RevalidateTag(ctx context.Context, tags ...string) error {
	return revalidate(ctx, nil, tags, cache.Stale)
}

// RevalidatePath marks the pages at paths stale, whatever their query.
// Paths are written as in links: "/products/1/" is the page at
// "/products/1"; a path no request could reach is an error.
func RevalidatePath(ctx context.Context, paths ...string) error {
	return revalidate(ctx, paths, nil, cache.Stale)
}

// ExpireTag makes the next request of each page carrying one of tags wait
// for a fresh render (Next.js: updateTag).
func ExpireTag(ctx context.Context, tags ...string) error {
	return revalidate(ctx, nil, tags, cache.Expire)
}

// ExpirePath makes the next request of the pages at paths wait for a fresh
// render.
func ExpirePath(ctx context.Context, paths ...string) error {
	return revalidate(ctx, paths, nil, cache.Expire)
}

// errNoApp reports a revalidation outside any app.
var errNoApp = errors.New("gox: no app in context and none started by gox.Run")

func revalidate(ctx context.Context, paths, tags []string, mode cache.Mode) error {
	a := server.FromContext(ctx)
	if a == nil {
		return errNoApp
	}
	_, err := a.Revalidate(ctx, paths, tags, mode)
	return err
}
