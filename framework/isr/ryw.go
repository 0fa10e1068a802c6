package isr

import (
	"slices"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/route"
)

// ReadYourWrites is the X-Gox-Cache state of a request that waited for a
// fresh render because its own browser just changed what the page shows
// (Job.NotBefore and Job.Writes): everyone else got the cached page.
const ReadYourWrites State = "RYW"

// Writes is what a browser's recent action invalidated: the pages it must
// see fresh. Only entries it covers wait on Job.NotBefore.
type Writes struct {
	// Paths are key paths: every key with one of them, whatever its query.
	Paths []string
	// Tags cover the entries that carry one of them.
	Tags []string
}

// covers reports whether w covers key's entry ent.
func (w *Writes) covers(key route.Key, ent *cache.Entry) bool {
	if w == nil {
		return true
	}
	if slices.Contains(w.Paths, key.Path()) {
		return true
	}
	for _, t := range ent.Tags {
		if slices.Contains(w.Tags, t) {
			return true
		}
	}
	return false
}

// mustReadOwnWrite reports whether ent is older than the write job's
// browser must see and covered by it.
func (j *Job) mustReadOwnWrite(ent *cache.Entry) bool {
	return ent.GeneratedAt.Before(j.NotBefore) && j.Writes.covers(j.Key, ent)
}

// waitState is how a request that waits for a fresh render of l is
// reported: Expired when an expire-mode invalidation made everyone wait,
// ReadYourWrites when only its own browser's write did.
func waitState(l cache.Lookup) State {
	if isExpired(l) {
		return Expired
	}
	return ReadYourWrites
}
