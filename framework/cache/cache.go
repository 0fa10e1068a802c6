// Package cache defines how gox stores rendered pages: the Entry, the Store
// interface every backend implements, and the invalidation stamps that make
// on-demand revalidation cheap.
//
// A Store keeps bytes and timestamps; it knows no freshness policy. The ISR
// engine (package isr) decides what is fresh, stale or expired by comparing an
// entry's GeneratedAt with its FreshUntil and with the invalidation stamps the
// store reports for the entry's path and tags.
//
// Every backend implements Store; what only some can do is a small
// optional interface (Leaser, Lister, Reloader, ChangeFeed, CounterStore,
// Toucher) that callers find by type assertion. The algorithms all
// backends share are functions here: Checked validates an entry before it
// is kept, Covering merges the stamps of an entry's path and tags.
// Subpackages: sqlite (the embedded default), memory (one process, for
// development and tests), tiered (a bounded memory tier in front of any
// store) and cachetest (the conformance suite every backend runs).
//
// Builds: every entry names the build of the app that rendered it
// (Entry.BuildID). A store that several builds share (a new build
// prerendering while the old one serves, a rolling deploy) keeps each
// build's entry of a key apart: its handle is opened for one build
// (sqlite.Options.BuildID), Put writes the entry's build's row, and Get
// returns the handle's build's row, else the latest row of another build,
// which the ISR engine serves stale and replaces with a row of its own.
// Invalidations cover every build's rows.
//
// Example:
//
//	st, _ := sqlite.Open(".gox/cache.db", sqlite.Options{})
//	defer st.Close()
//	_ = st.Put(ctx, &cache.Entry{Key: "/", Route: "/", Status: 200, Body: html, GeneratedAt: time.Now()})
//	l, err := st.Get(ctx, "/")
//	if errors.Is(err, cache.ErrNotFound) { ... }
package cache

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Errors returned by stores.
var (
	// ErrNotFound reports that no entry exists for a key.
	ErrNotFound = errors.New("cache: entry not found")
	// ErrCorrupt reports an entry whose stored length or checksum does not
	// match its body; the store never returns such an entry.
	ErrCorrupt = errors.New("cache: entry corrupt")
	// ErrClosed reports use of a closed store.
	ErrClosed = errors.New("cache: store closed")
)

// Entry is one rendered page as stored: the response and what the engine
// needs to judge its freshness.
type Entry struct {
	// Key is the canonical cache key: the normalized path plus the
	// allowlisted query, e.g. "/posts?page=2".
	Key string
	// Route is the pattern that rendered the entry, e.g. "/products/{id}".
	Route string
	// Status is 200, or 404 for a deliberate not-found result.
	Status int
	// Header holds the response headers stored with the page
	// (Content-Type and the like; never Set-Cookie).
	Header http.Header
	// Body is the uncompressed response body.
	Body []byte
	// Gzip and Brotli are precompressed copies of Body; either may be nil.
	Gzip   []byte
	Brotli []byte
	// ETag is the strong entity tag of Body, quoted.
	ETag string
	// Sum is the checksum of Body (xxhash64); stores verify it on read.
	Sum uint64
	// GeneratedAt is when the render that produced the entry started.
	// Invalidations stamped at or after it make the entry stale.
	GeneratedAt time.Time
	// FreshUntil is when the entry goes stale by time; zero means never
	// (a static page, fresh until revalidated on demand).
	FreshUntil time.Time
	// Tags are the data dependencies of the page.
	Tags []string
	// BuildID names the build that rendered the entry. A store shared by
	// several builds keeps one entry per key and build.
	BuildID string
	// LastError is the message of the last failed regeneration, if any.
	LastError string
	// Failures counts consecutive failed regenerations.
	Failures int
	// RetryAt is the earliest time the next regeneration may be tried after
	// a failure.
	RetryAt time.Time
}

// Lookup is what Store.Get returns: the entry and the latest invalidation
// stamps covering it (see Covering). Entry may be shared with other
// readers (a memory tier hands out the same pointer): callers must not
// modify it.
type Lookup struct {
	Entry *Entry
	// RevalidatedAt and ExpiredAt are the latest invalidation stamps (stale
	// and expire mode) covering the entry's path or any of its tags; zero
	// when there are none.
	RevalidatedAt time.Time
	ExpiredAt     time.Time
}

// Path returns the path part of the entry's key.
func (e *Entry) Path() string { return KeyPath(e.Key) }

// KeyPath returns the path part of a cache key (the key up to its query).
func KeyPath(key string) string {
	p, _, _ := strings.Cut(key, "?")
	return p
}

// Size returns the number of bytes the entry's bodies occupy.
func (e *Entry) Size() int64 { return int64(len(e.Body) + len(e.Gzip) + len(e.Brotli)) }

// Mode says how an invalidation treats the entries it covers.
type Mode int

const (
	// Stale marks entries stale: visitors keep getting them while they
	// regenerate in the background.
	Stale Mode = iota
	// Expire makes the next request wait for a fresh render.
	Expire
)

// Meta is the part of an entry a regeneration may update without
// rewriting its bodies: its freshness and failure record.
type Meta struct {
	GeneratedAt time.Time
	FreshUntil  time.Time
	// BuildID names the build whose entry is updated; it never changes
	// an entry's build.
	BuildID   string
	LastError string
	Failures  int
	RetryAt   time.Time
}

// Counters are per-route request and write counts, added up by the ISR
// engine's counting observer and persisted through a CounterStore so that
// tools can show each route's read/write ratio.
type Counters struct {
	Hits, Misses, Stale, Regenerations, Writes, Failures int64
}

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	c.Hits += o.Hits
	c.Misses += o.Misses
	c.Stale += o.Stale
	c.Regenerations += o.Regenerations
	c.Writes += o.Writes
	c.Failures += o.Failures
}

// Info describes one entry without its bodies, for listings.
type Info struct {
	Key, Route, ETag, BuildID, LastError string
	Status                               int
	Size                                 int64
	Tags                                 []string
	GeneratedAt, FreshUntil, AccessedAt  time.Time
	RevalidatedAt, ExpiredAt             time.Time
}

// Store keeps rendered pages: what every backend must do. Implementations
// are safe for concurrent use by many goroutines, and (for shared backends)
// by many processes.
//
// What only some backends can do is a small optional interface beside
// Store (Leaser, Lister, Reloader, ChangeFeed, CounterStore, Toucher);
// callers find it with a type assertion.
type Store interface {
	// Get returns the entry for key and the stamps covering it, or
	// ErrNotFound. It never returns a torn or corrupt entry (a row whose
	// length or checksum is wrong reads as ErrCorrupt). A store shared by
	// builds returns its handle's build's entry, else the most recently
	// generated entry of another build.
	Get(ctx context.Context, key string) (Lookup, error)
	// Put stores e, replacing any entry with the same key (and, in a
	// store shared by builds, the same build), in one atomic write
	// together with its tag index rows. The store may keep e: the caller
	// must not modify it afterwards. Backends check e with Checked.
	Put(ctx context.Context, e *Entry) error
	// SetMeta updates the freshness and failure record of the entry of
	// key that build m.BuildID rendered, without rewriting its bodies;
	// ErrNotFound if there is none. Another build's entry is never
	// changed.
	SetMeta(ctx context.Context, key string, m Meta) error
	// Delete removes the entries for keys, every build's; missing keys
	// are ignored.
	Delete(ctx context.Context, keys ...string) error

	// InvalidateTags stamps tags with time at in mode m; entries carrying
	// any of them that were generated at or before at become stale (or
	// expired). It costs one write per tag however many entries carry it,
	// and returns the keys of those entries.
	InvalidateTags(ctx context.Context, tags []string, at time.Time, m Mode) (keys []string, err error)
	// InvalidatePaths stamps paths likewise; an entry is covered when its
	// key's path (KeyPath) equals one of them. It returns the covered keys.
	InvalidatePaths(ctx context.Context, paths []string, at time.Time, m Mode) (keys []string, err error)

	// Close releases the store's resources. Later calls of any method
	// return ErrClosed; Close itself may be called again.
	Close() error
}

// Filter selects entries for Lister.List. Empty fields match everything.
type Filter struct {
	Prefix string // key prefix
	Tag    string
	Route  string
	Limit  int // 0: no limit
}

// Stats are totals over a store, from Lister.Stats.
type Stats struct {
	Entries int64
	Bytes   int64
	Tags    int64
}
