package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cespare/xxhash/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/goxweb/gox/framework/cache"
)

// Get reads the entry for key and the stamps covering it in one script,
// verifies its body, and merges the stamps (cache.Covering) with those of
// invalidations still waiting in the outbox. The entry is this handle's
// build's row of key, else the most recently generated row of another
// build.
//
// A path or tag stamp that Redis evicted counts as an invalidation now:
// the page is served stale and regenerated, never taken for fresh.
func (s *Store) Get(ctx context.Context, key string) (cache.Lookup, error) {
	done, err := s.enter()
	if err != nil {
		return cache.Lookup{}, err
	}
	defer done()
	vals, err := getScript.Run(ctx, s.rdb, []string{s.keys.builds(key)}, s.keys.base, cache.KeyPath(key), key, s.opts.BuildID, "").Slice()
	if errors.Is(err, goredis.Nil) {
		return cache.Lookup{}, cache.ErrNotFound
	}
	if err != nil {
		return cache.Lookup{}, wrap("get", key, err)
	}
	e, st, _, err := s.decode(key, vals, true)
	if err != nil {
		return cache.Lookup{}, wrap("get", key, err)
	}
	return cache.LookupOf(e, st), nil
}

// decode turns getScript's answer into the entry, its covering stamp and
// its size. Without bodies (List), the size comes from the z field.
func (s *Store) decode(key string, vals []any, bodies bool) (*cache.Entry, cache.Stamp, int64, error) {
	n := len(entryFields)
	if !bodies {
		n -= 3
	}
	if len(vals) < n+6 || (len(vals)-n)%3 != 0 {
		return nil, cache.Stamp{}, 0, fmt.Errorf("script answered %d values: %w", len(vals), cache.ErrCorrupt)
	}
	str := func(i int) string {
		v, _ := vals[i].(string)
		return v
	}
	e := &cache.Entry{Key: key, BuildID: str(3), LastError: str(4)}
	var errs []error
	parse := func(dst *time.Time, i int) {
		t, err := parseTime(str(i))
		errs = append(errs, err)
		*dst = t
	}
	parse(&e.GeneratedAt, 0)
	parse(&e.FreshUntil, 1)
	parse(&e.RetryAt, 2)
	var err error
	if e.Failures, err = strconv.Atoi(str(5)); err != nil {
		errs = append(errs, fmt.Errorf("failures: %w", err))
	}
	h, err := decodeHead(str(6))
	errs = append(errs, err)
	e.Route, e.Status, e.ETag, e.Sum, e.Header = h.route, h.status, h.etag, h.sum, h.header
	e.Tags, err = unpack(str(7))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, cache.Stamp{}, 0, fmt.Errorf("%w: %w", err, cache.ErrCorrupt)
	}
	size, _ := strconv.ParseInt(str(9), 10, 64)
	if bodies {
		e.Body, e.Gzip, e.Brotli = bytesOf(vals[10]), bytesOf(vals[11]), bytesOf(vals[12])
		if xxhash.Sum64(e.Body) != e.Sum {
			return nil, cache.Stamp{}, 0, fmt.Errorf("body does not match its checksum: %w", cache.ErrCorrupt)
		}
		size = e.Size()
	}
	stamps := vals[n:]
	if len(stamps)/3 != 2+len(e.Tags) {
		return nil, cache.Stamp{}, 0, fmt.Errorf("script answered %d stamps for %d tags: %w", len(stamps)/3, len(e.Tags), cache.ErrCorrupt)
	}
	now := time.Now()
	lookup := func(i int, conservative bool) cache.Stamp {
		return stampOf(stamps[3*i:3*i+3], e.GeneratedAt, now, conservative)
	}
	st := lookup(1, false) // the global stamp: absent unless an outbox overflowed
	tagIndex := make(map[string]int, len(e.Tags))
	for i, t := range e.Tags {
		if _, dup := tagIndex[t]; !dup {
			tagIndex[t] = 2 + i
		}
	}
	st = st.Max(cache.Covering(e,
		func(string) cache.Stamp { return lookup(0, true) },
		func(tag string) cache.Stamp { return lookup(tagIndex[tag], true) }))
	return e, st.Max(s.pending.of(e)), size, nil
}

// stampOf reads one stamp hash's r, x and f fields for an entry generated
// at gen. A floor at or after gen counts as a revalidation at the floor. A
// stamp hash that does not exist, when conservative (a path's or tag's:
// every Put creates them), was evicted: it counts as a revalidation now.
func stampOf(v []any, gen, now time.Time, conservative bool) cache.Stamp {
	r, _ := v[0].(string)
	x, _ := v[1].(string)
	f, _ := v[2].(string)
	if r == "" && x == "" && f == "" {
		if conservative {
			return cache.Stamp{RevalidatedAt: later(now, gen)}
		}
		return cache.Stamp{}
	}
	var st cache.Stamp
	st.RevalidatedAt, _ = parseTime(r)
	st.ExpiredAt, _ = parseTime(x)
	if floor, _ := parseTime(f); !floor.IsZero() && !floor.Before(gen) {
		st.RevalidatedAt = later(st.RevalidatedAt, floor)
	}
	return st
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// bytesOf returns a script's bulk string as bytes (nil for none).
func bytesOf(v any) []byte {
	s, _ := v.(string)
	if s == "" {
		return nil
	}
	return []byte(s)
}

// Put writes e's build's row of its key, its index memberships and its
// stream message in one script, unless that row's render started later
// than e's: an older render finishing last never replaces a newer page.
// Other builds' rows are left alone. A zero Sum is filled in; a Sum that
// does not match Body is refused with cache.ErrCorrupt.
func (s *Store) Put(ctx context.Context, e *cache.Entry) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	e, err = cache.Checked(e)
	if err != nil {
		return fmt.Errorf("redis put: %w", err)
	}
	gen := fmtTime(e.GeneratedAt)
	floor := fmtTime(e.GeneratedAt.Add(-1))
	args := []any{s.keys.base, e.Key, e.Path(), s.origin, s.opts.StreamLength, s.ttlMillis(), floor, e.BuildID,
		s.stampTTLMillis(), s.opts.MaxCoveredKeys,
		"g", gen, "f", fmtTime(e.FreshUntil), "r", fmtTime(e.RetryAt), "b", e.BuildID, "e", e.LastError,
		"n", strconv.Itoa(e.Failures),
		"h", encodeHead(head{route: e.Route, status: e.Status, etag: e.ETag, sum: e.Sum, header: e.Header}),
		"t", pack(e.Tags), "a", fmtTime(time.Now()), "z", strconv.FormatInt(e.Size(), 10),
		"body", e.Body, "gz", e.Gzip, "br", e.Brotli}
	if err := putScript.Run(ctx, s.rdb, []string{s.keys.entry(e.BuildID, e.Key), s.keys.builds(e.Key)}, args...).Err(); err != nil {
		return wrap("put", e.Key, err)
	}
	return nil
}

// SetMeta updates the freshness and failure record of build m.BuildID's
// row of key (cache.ErrNotFound when that build has none), unless that row
// was rendered later than m says (another host's newer render).
func (s *Store) SetMeta(ctx context.Context, key string, m cache.Meta) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	n, err := setMetaScript.Run(ctx, s.rdb, []string{s.keys.entry(m.BuildID, key), s.keys.builds(key)},
		s.keys.base, key, s.origin, s.opts.StreamLength, s.ttlMillis(),
		fmtTime(m.GeneratedAt), fmtTime(m.FreshUntil), fmtTime(m.RetryAt), m.BuildID, m.LastError, strconv.Itoa(m.Failures),
		cache.KeyPath(key), s.stampTTLMillis(), s.opts.MaxCoveredKeys).Int()
	if err != nil {
		return wrap("set meta", key, err)
	}
	if n < 0 {
		return wrap("set meta", key, cache.ErrNotFound)
	}
	return nil
}

// deleteBatch bounds the keys one delete script removes.
const deleteBatch = 500

// Delete removes every build's row of keys and their index memberships.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	for len(keys) > 0 {
		batch := keys[:min(len(keys), deleteBatch)]
		keys = keys[len(batch):]
		args := []any{s.keys.base, s.origin, s.opts.StreamLength}
		ks := make([]string, len(batch))
		for i, k := range batch {
			args = append(args, k, cache.KeyPath(k))
			ks[i] = s.keys.builds(k)
		}
		if err := deleteScript.Run(ctx, s.rdb, ks, args...).Err(); err != nil {
			return wrap("delete", batch[0], err)
		}
	}
	return nil
}
