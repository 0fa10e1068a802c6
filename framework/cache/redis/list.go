package redis

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goxweb/gox/framework/cache"
)

// scanBatch is the COUNT of each SCAN and the size of each pipeline of
// admin commands.
const scanBatch = 500

// List returns every build's rows matching f, without bodies, ordered by
// key (then build). It scans the app's rows (or a tag's index, unless
// full): admin tools call it, never the request path.
func (s *Store) List(ctx context.Context, f cache.Filter) ([]cache.Info, error) {
	done, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := s.candidates(ctx, f)
	if err != nil {
		return nil, wrap("list", "", err)
	}
	if err := rowScript.Load(ctx, s.rdb).Err(); err != nil {
		return nil, wrap("list", "", err)
	}
	var infos []cache.Info
	for len(rows) > 0 && (f.Limit <= 0 || len(infos) < f.Limit) {
		batch := rows[:min(len(rows), scanBatch)]
		rows = rows[len(batch):]
		pipe := s.rdb.Pipeline()
		cmds := make([]*goredis.Cmd, len(batch))
		for i, r := range batch {
			cmds[i] = rowScript.EvalSha(ctx, pipe, []string{s.keys.entry(r.build, r.key)}, s.keys.base, cache.KeyPath(r.key))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
			return nil, wrap("list", "", err)
		}
		for i, cmd := range cmds {
			vals, err := cmd.Slice()
			if errors.Is(err, goredis.Nil) {
				continue // gone since the scan
			}
			if err != nil {
				return nil, wrap("list", batch[i].key, err)
			}
			e, st, size, err := s.decode(batch[i].key, vals, false)
			if err != nil {
				return nil, wrap("list", batch[i].key, err)
			}
			if (f.Route != "" && e.Route != f.Route) || (f.Tag != "" && !slices.Contains(e.Tags, f.Tag)) {
				continue
			}
			accessed, _ := parseTime(stringAt(vals, 8))
			infos = append(infos, cache.Info{
				Key: e.Key, Route: e.Route, ETag: e.ETag, BuildID: e.BuildID, LastError: e.LastError,
				Status: e.Status, Size: size, Tags: e.Tags,
				GeneratedAt: e.GeneratedAt, FreshUntil: e.FreshUntil, AccessedAt: accessed,
				RevalidatedAt: st.RevalidatedAt, ExpiredAt: st.ExpiredAt,
			})
			if f.Limit > 0 && len(infos) == f.Limit {
				break
			}
		}
	}
	return infos, nil
}

func stringAt(vals []any, i int) string {
	s, _ := vals[i].(string)
	return s
}

// rowRef is one build's row of a key.
type rowRef struct{ build, key string }

// candidates returns the rows that may match f, ordered by key and build:
// a tag's index members, or the rows a SCAN of the app's entries finds.
// An index at its cap (Options.MaxCoveredKeys) may have lost members the
// tag still has: the SCAN then finds them.
func (s *Store) candidates(ctx context.Context, f cache.Filter) ([]rowRef, error) {
	var ids []string
	if f.Tag != "" {
		members, err := s.rdb.ZRange(ctx, s.keys.base+"tz:"+f.Tag, 0, -1).Result()
		if err != nil {
			return nil, err
		}
		ids = members
	}
	if f.Tag == "" || len(ids) >= s.opts.MaxCoveredKeys {
		ids = ids[:0]
		prefix := s.keys.base + "e:"
		err := s.scan(ctx, globEscape(prefix)+"*", func(batch []string) error {
			for _, k := range batch {
				ids = append(ids, strings.TrimPrefix(k, prefix))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var rows []rowRef
	for _, id := range ids {
		build, key, ok := splitRow(id)
		if ok && strings.HasPrefix(key, f.Prefix) {
			rows = append(rows, rowRef{build, key})
		}
	}
	slices.SortFunc(rows, func(a, b rowRef) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.build, b.build))
	})
	return slices.Compact(rows), nil
}

// scan calls fn with each batch of the keys matching the glob pattern.
func (s *Store) scan(ctx context.Context, pattern string, fn func([]string) error) error {
	var cursor uint64
	for {
		batch, next, err := s.rdb.Scan(ctx, cursor, pattern, scanBatch).Result()
		if err != nil {
			return err
		}
		if err := fn(batch); err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape escapes the characters SCAN MATCH treats as patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Stats counts every build's rows, their bytes and their distinct tags by
// scanning the app's entries.
func (s *Store) Stats(ctx context.Context) (cache.Stats, error) {
	done, err := s.enter()
	if err != nil {
		return cache.Stats{}, err
	}
	defer done()
	var st cache.Stats
	tags := make(map[string]struct{})
	err = s.scan(ctx, globEscape(s.keys.base+"e:")+"*", func(batch []string) error {
		pipe := s.rdb.Pipeline()
		cmds := make([]*goredis.SliceCmd, len(batch))
		for i, k := range batch {
			cmds[i] = pipe.HMGet(ctx, k, "z", "t")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		for _, cmd := range cmds {
			v := cmd.Val()
			z, ok := v[0].(string)
			if !ok {
				continue // gone since the scan
			}
			n, _ := strconv.ParseInt(z, 10, 64)
			st.Entries++
			st.Bytes += n
			t, _ := v[1].(string)
			list, _ := unpack(t)
			for _, tag := range list {
				tags[tag] = struct{}{}
			}
		}
		return nil
	})
	if err != nil {
		return cache.Stats{}, wrap("stats", "", err)
	}
	st.Tags = int64(len(tags))
	return st, nil
}

// Clear removes every entry, stamp, index, lease and counter of the app,
// and the invalidations waiting in the outbox; the change stream and its
// sequence stay, and carry the clear to the other instances.
func (s *Store) Clear(ctx context.Context) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	keep := map[string]bool{s.keys.stream(): true, s.keys.seq(): true}
	err = s.scan(ctx, globEscape(s.keys.base)+"*", func(batch []string) error {
		batch = slices.DeleteFunc(batch, func(k string) bool { return keep[k] })
		if len(batch) == 0 {
			return nil
		}
		return s.rdb.Unlink(ctx, batch...).Err()
	})
	if err == nil {
		err = clearedScript.Run(ctx, s.rdb, []string{s.keys.stream()}, s.keys.base, s.origin, s.opts.StreamLength).Err()
	}
	if err != nil {
		return wrap("clear", "", err)
	}
	s.pending.reset()
	// Nothing waits any more: the replay, which clears this flag, has
	// nothing left to write.
	s.queued.Store(false)
	if s.outbox != nil {
		if err := s.outbox.clear(); err != nil {
			return wrap("clear", "outbox", err)
		}
	}
	return nil
}

// counterFields names the counter hashes, one per cache.Counters field,
// each mapping a route to its count.
var counterFields = []string{"hits", "misses", "stale", "regenerations", "writes", "failures"}

func counterValues(c *cache.Counters) []*int64 {
	return []*int64{&c.Hits, &c.Misses, &c.Stale, &c.Regenerations, &c.Writes, &c.Failures}
}

// AddCounters adds byRoute to the stored counters in one pipeline.
func (s *Store) AddCounters(ctx context.Context, byRoute map[string]cache.Counters) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	if len(byRoute) == 0 {
		return nil
	}
	pipe := s.rdb.TxPipeline()
	for route, c := range byRoute {
		for i, v := range counterValues(&c) {
			if *v != 0 {
				pipe.HIncrBy(ctx, s.keys.counters(counterFields[i]), route, *v)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap("add counters", "", err)
	}
	return nil
}

// Counters returns the stored counters by route.
func (s *Store) Counters(ctx context.Context) (map[string]cache.Counters, error) {
	done, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(counterFields))
	for i, f := range counterFields {
		cmds[i] = pipe.HGetAll(ctx, s.keys.counters(f))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("counters", "", err)
	}
	byRoute := make(map[string]cache.Counters)
	for i, cmd := range cmds {
		for route, v := range cmd.Val() {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, wrap("counters", route, err)
			}
			c := byRoute[route]
			*counterValues(&c)[i] = n
			byRoute[route] = c
		}
	}
	return byRoute, nil
}

// touchBatch bounds the keys one touch script updates.
const touchBatch = 500

// Touch moves the read times of keys up (never back); Redis also counts
// the write as a use of the entry for its own LRU eviction, so pages the
// memory tier serves are not evicted as if unused. Keys no longer stored
// are ignored, and so are the times while the breaker finds Redis
// unreachable: they only order eviction.
func (s *Store) Touch(ctx context.Context, readAt map[string]time.Time) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	keys := make([]string, 0, len(readAt))
	for k := range readAt {
		keys = append(keys, k)
	}
	for len(keys) > 0 {
		batch := keys[:min(len(keys), touchBatch)]
		keys = keys[len(batch):]
		ks := make([]string, len(batch))
		args := []any{s.keys.base}
		for i, k := range batch {
			ks[i] = s.keys.builds(k)
			args = append(args, k, fmtTime(readAt[k]))
		}
		if err := touchScript.Run(ctx, s.rdb, ks, args...).Err(); errors.Is(err, ErrUnavailable) {
			return nil
		} else if err != nil {
			return wrap("touch", batch[0], err)
		}
	}
	return nil
}
