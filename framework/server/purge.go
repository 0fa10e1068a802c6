package server

import (
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/purge"
)

// purgeObserver hands every invalidation the engine reports to the purge
// queue as the pages' purge keys: soft for a revalidation, so a CDN that
// can keeps serving the old page while it refetches, as gox does; hard for
// an expiry. The engine reports each invalidation this process makes once
// (the facade's verbs, actions, /_gox/revalidate, x-prerender-revalidate,
// the inspector), and other processes' to their own observers, so one
// invalidation is one purge whatever the number of instances.
type purgeObserver struct{ q *purge.Queue }

var (
	_ isr.Observer             = purgeObserver{}
	_ isr.InvalidationObserver = purgeObserver{}
)

func (purgeObserver) Served(string, isr.State)     {}
func (purgeObserver) Regenerating(string, string)  {}
func (purgeObserver) Stored(string, string)        {}
func (purgeObserver) Failed(string, string, error) {}

// Invalidated queues the purge of paths and tags.
func (o purgeObserver) Invalidated(paths, tags []string, mode cache.Mode) {
	o.q.Add(httpcache.PurgeKeys(paths, tags), mode == cache.Stale)
}

// Close sends what is queued, within the queue's close timeout.
func (o purgeObserver) Close() error { return o.q.Close() }
