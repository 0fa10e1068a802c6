package redis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/redis/redistest"
	"github.com/goxweb/gox/internal/syncbuf"
)

// syncBuffer collects log lines written by other goroutines.
type syncBuffer struct{ syncbuf.Buffer }

// entry returns a valid entry for key rendered at gen, carrying tags.
func entry(key, body string, gen time.Time, tags ...string) *cache.Entry {
	return &cache.Entry{
		Key: key, Route: cache.KeyPath(key), Status: http.StatusOK, Body: []byte(body),
		Sum: xxhash.Sum64String(body), GeneratedAt: gen, Tags: tags,
	}
}

// eventually fails t unless cond holds within 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPutNeverReplacesALaterRender: a render that started earlier but
// finished later (a slow host) neither replaces nor updates the newer
// entry another host stored meanwhile.
func TestPutNeverReplacesALaterRender(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t, redistest.Start(t), redis.Options{})
	t0 := time.Now()
	if err := st.Put(ctx, entry("/p", "newer", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, entry("/p", "older", t0)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMeta(ctx, "/p", cache.Meta{GeneratedAt: t0, LastError: "older failure"}); err != nil {
		t.Fatal(err)
	}
	l, err := st.Get(ctx, "/p")
	if err != nil {
		t.Fatal(err)
	}
	if string(l.Entry.Body) != "newer" || l.Entry.LastError != "" || !l.Entry.GeneratedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("Get = %q generated %v, last error %q; want the newer render untouched", l.Entry.Body, l.Entry.GeneratedAt, l.Entry.LastError)
	}
}

// TestEvictedStampCountsAsRevalidation: a tag stamp that Redis evicted
// (deleted here, as eviction would) never lets a page invalidated before
// the eviction pass as fresh: the page reads as revalidated, and so do
// the tag's older pages once another page recreates the stamp. That page
// reads as revalidated too (what the stamp held is unknown), and its next
// render as fresh.
func TestEvictedStampCountsAsRevalidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := open(t, srv, redis.Options{Prefix: "evict"})
	gen := time.Now().Add(-time.Minute)
	if err := st.Put(ctx, entry("/old", "old", gen, "news")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidateTags(ctx, []string{"news"}, gen.Add(time.Second), cache.Expire); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Do(ctx, "DEL", "gox:{evict}:t:news"); err != nil {
		t.Fatal(err)
	}
	l, err := st.Get(ctx, "/old")
	if err != nil {
		t.Fatal(err)
	}
	if l.RevalidatedAt.Before(gen) {
		t.Fatalf("after its stamp was evicted, /old reads RevalidatedAt %v, want at or after its render %v", l.RevalidatedAt, gen)
	}
	// A new page of the tag recreates the stamp: older pages still read
	// as revalidated, the new one as fresh.
	fresh := time.Now()
	if err := st.Put(ctx, entry("/new", "new", fresh, "news")); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Get(ctx, "/old"); err != nil || l.RevalidatedAt.Before(gen) {
		t.Errorf("/old after the stamp came back: RevalidatedAt %v, %v; want at or after %v", l.RevalidatedAt, err, gen)
	}
	if l, err := st.Get(ctx, "/new"); err != nil || l.RevalidatedAt.Before(fresh) {
		t.Errorf("/new: RevalidatedAt %v, %v; want at or after its render %v", l.RevalidatedAt, err, fresh)
	}
	again := time.Now().Add(time.Second)
	if err := st.Put(ctx, entry("/new", "new again", again, "news")); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Get(ctx, "/new"); err != nil || l.RevalidatedAt.After(again) || !l.ExpiredAt.IsZero() {
		t.Errorf("/new rendered again: stamps %v %v, %v; want none after its render %v", l.RevalidatedAt, l.ExpiredAt, err, again)
	}
}

// TestEvictionUnderMaxmemory fills a Redis limited to 4 MB with an
// allkeys policy (which may evict stamps; LFU here, whose counters keep
// the pages a memory tier reads hot within the second that LRU's clock
// cannot tell apart) while invalidated pages are kept in use: every
// invalidated page still in Redis reads as invalidated, although the
// stamp that invalidated it was evicted.
//
// Each Put of a page extends its tag's stamp's TTL, which counts as a use:
// the stamp's use count is then reset to none, as a quiet hour would make
// it under the default lfu-decay-time, so that it is the one evicted.
func TestEvictionUnderMaxmemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Config{Args: []string{"--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lfu"}})
	st := open(t, srv, redis.Options{Prefix: "lru"})
	gen := time.Now().Add(-time.Minute)
	var hot []string
	for i := range 20 {
		k := "/hot/" + string(rune('a'+i))
		hot = append(hot, k)
		if err := st.Put(ctx, entry(k, "hot page", gen, "hot")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.InvalidateTags(ctx, []string{"hot"}, gen.Add(time.Second), cache.Stale); err != nil {
		t.Fatal(err)
	}
	const stamp = "gox:{lru}:t:hot"
	dump, err := srv.Client().Dump(ctx, stamp).Result()
	if err != nil {
		t.Fatal(err)
	}
	ttl, err := srv.Client().PTTL(ctx, stamp).Result()
	if err != nil || ttl <= 0 {
		t.Fatalf("the stamp's TTL: %v, %v; want one", ttl, err)
	}
	if _, err := srv.Do(ctx, "RESTORE", stamp, ttl.Milliseconds(), dump, "REPLACE", "FREQ", 0); err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("x", 16<<10)
	touch := make(map[string]time.Time)
	for i := range 2000 {
		// The pages stay recently used (as a memory tier's read times
		// make them); their tag's stamp is not read meanwhile.
		if i%5 == 0 {
			for _, k := range hot {
				touch[k] = time.Now()
			}
			if err := st.Touch(ctx, touch); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Put(ctx, entry("/fill/"+string(rune(0x4e00+i)), filler, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	info, err := srv.Client().Info(ctx, "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "evicted_keys:") || strings.Contains(info, "evicted_keys:0\r") {
		t.Fatalf("Redis evicted nothing; the test needs more filler:\n%s", info)
	}
	if n, err := srv.Client().Exists(ctx, stamp).Result(); err != nil || n != 0 {
		t.Fatalf("the invalidated tag's stamp is still in Redis (%d, %v): the test checks nothing", n, err)
	}
	kept := 0
	for _, k := range hot {
		l, err := st.Get(ctx, k)
		if errors.Is(err, cache.ErrNotFound) {
			continue
		}
		kept++
		if err != nil {
			t.Fatal(err)
		}
		if l.RevalidatedAt.Before(l.Entry.GeneratedAt) {
			t.Errorf("%s reads as fresh after its tag was invalidated (revalidated %v, generated %v)", k, l.RevalidatedAt, l.Entry.GeneratedAt)
		}
	}
	if kept == 0 {
		t.Fatal("every invalidated page was evicted: the test checks nothing")
	}
}

// changes collects a store's change feed.
type changes struct {
	mu   sync.Mutex
	tags []string
	all  int
}

func subscribe(st *redis.Store) *changes {
	c := &changes{}
	st.Subscribe(func(batch []cache.Change) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, ch := range batch {
			switch ch.Kind {
			case cache.ChangeTag:
				c.tags = append(c.tags, ch.Name)
			case cache.ChangeAll:
				c.all++
			}
		}
	})
	return c
}

func (c *changes) snapshot() ([]string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.tags), c.all
}

// readerConnected waits until st's stream reader is connected and returns
// its client id.
func readerConnected(t *testing.T, srv *redistest.Server, st *redis.Store) string {
	t.Helper()
	var id string
	eventually(t, "the stream reader connected", func() bool {
		list, err := srv.Client().ClientList(context.Background()).Result()
		if err != nil {
			return false
		}
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, " name="+st.ReaderClientName()+" ") {
				for _, f := range strings.Fields(line) {
					if v, ok := strings.CutPrefix(f, "id="); ok {
						id = v
						return true
					}
				}
			}
		}
		return false
	})
	return id
}

// TestKilledStreamReaderLosesNoInvalidation: B's stream reader connection
// is killed (CLIENT KILL) again and again while A invalidates: B resumes
// from the last message it read and gets every invalidation.
func TestKilledStreamReaderLosesNoInvalidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	a := open(t, srv, redis.Options{Prefix: "kill"})
	b := open(t, srv, redis.Options{Prefix: "kill"})
	got := subscribe(b)
	readerConnected(t, srv, b)
	const n = 300
	var want []string
	kills := 0
	for i := range n {
		tag := "tag-" + strings.Repeat("i", i%7) + string(rune('a'+i%26)) + "-" + time.Now().Format("150405.000000000")
		want = append(want, tag)
		if _, err := a.InvalidateTags(ctx, []string{tag}, time.Now(), cache.Stale); err != nil {
			t.Fatal(err)
		}
		if i%50 == 25 {
			id := readerConnected(t, srv, b)
			if n, err := srv.Client().ClientKillByFilter(ctx, "ID", id).Result(); err != nil || n != 1 {
				t.Fatalf("CLIENT KILL ID %s = %d, %v", id, n, err)
			}
			kills++
		}
	}
	eventually(t, "B got every invalidation", func() bool {
		tags, _ := got.snapshot()
		return len(tags) >= n
	})
	tags, _ := got.snapshot()
	slices.Sort(tags)
	slices.Sort(want)
	if !slices.Equal(tags, want) {
		t.Fatalf("B got %d tags, want the %d A invalidated, each once", len(tags), n)
	}
	if kills < 5 {
		t.Fatalf("killed the reader %d times, want at least 5", kills)
	}
}

// TestLostMessagesReportChangeAll: when the stream lost messages B never
// read (trimmed away, or the stream key itself evicted), B's subscribers
// are told that anything may have changed.
func TestLostMessagesReportChangeAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lose func(ctx context.Context, srv *redistest.Server) error
	}{
		{"a gap in the sequence", func(ctx context.Context, srv *redistest.Server) error {
			// The message after a trimmed run: its sequence number skips.
			return srv.Client().XAdd(ctx, &goredis.XAddArgs{Stream: "gox:{lost}:s", Values: []any{"q", "1000", "o", "other", "k", "t", "n", "1:x"}}).Err()
		}},
		{"the stream key evicted", func(ctx context.Context, srv *redistest.Server) error {
			if err := srv.Client().Del(ctx, "gox:{lost}:s").Err(); err != nil {
				return err
			}
			return srv.Client().Incr(ctx, "gox:{lost}:q").Err()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := redistest.Start(t)
			a := open(t, srv, redis.Options{Prefix: "lost"})
			b := open(t, srv, redis.Options{Prefix: "lost"})
			got := subscribe(b)
			// B reads the stream once it gets A's changes.
			eventually(t, "B reading the stream", func() bool {
				if _, err := a.InvalidateTags(ctx, []string{"ready"}, time.Now(), cache.Stale); err != nil {
					t.Fatal(err)
				}
				tags, _ := got.snapshot()
				return len(tags) > 0
			})
			_, before := got.snapshot()
			if err := tt.lose(ctx, srv); err != nil {
				t.Fatal(err)
			}
			eventually(t, "a ChangeAll", func() bool { _, all := got.snapshot(); return all > before })
		})
	}
}

// TestRedisDownAtStart: a store whose Redis is not there yet opens at
// once, fails reads without hanging, keeps an invalidation in its outbox
// file across a restart, and replays it when Redis comes up.
func TestRedisDownAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gox-redis-down-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	outbox := filepath.Join(t.TempDir(), "outbox.db")
	client := &redistest.Server{Network: "unix", Addr: filepath.Join(dir, "redis.sock")}
	var logs syncBuffer
	opts := redis.Options{Prefix: "down", Client: client.Options(), OutboxPath: outbox, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	st := open(t, nil, opts)
	if _, err := st.Get(ctx, "/p"); err == nil || errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get without Redis: error %v, want a connection error", err)
	}
	at := time.Now()
	if keys, err := st.InvalidateTags(ctx, []string{"news"}, at, cache.Expire); err != nil || keys != nil {
		t.Fatalf("InvalidateTags without Redis = %v, %v; want no keys and no error (it waits in the outbox)", keys, err)
	}
	for i := range 20 {
		if _, err := st.InvalidatePaths(ctx, []string{fmt.Sprint("/p/", i)}, at, cache.Stale); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "wait in the outbox"); n != 1 {
		t.Fatalf("%d log lines for 21 invalidations made while Redis is down, want 1:\n%s", n, logs.String())
	}
	// The breaker opens after a few failures: later calls fail at once.
	for range 5 {
		st.Get(ctx, "/p")
	}
	if _, err := st.Get(ctx, "/p"); !errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("Get after repeated failures: %v, want ErrUnavailable", err)
	}
	if err := st.Health(); !errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("Health without Redis: %v, want ErrUnavailable", err)
	}
	st.Close()

	// A restart before Redis is back keeps the invalidation.
	st = open(t, nil, opts)
	got := subscribe(st)
	srv := redistest.Start(t, redistest.Config{Dir: dir})
	eventually(t, "the invalidation replayed", func() bool {
		v, err := srv.Client().HGet(ctx, "gox:{down}:t:news", "x").Result()
		return err == nil && v != ""
	})
	eventually(t, "a ChangeAll after the replay", func() bool { _, all := got.snapshot(); return all > 0 })
	eventually(t, "healthy once the outbox is replayed", func() bool { return st.Health() == nil })
	if err := st.Put(ctx, entry("/p", "page", at.Add(-time.Second), "news")); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Get(ctx, "/p"); err != nil || !l.ExpiredAt.Equal(at) {
		t.Fatalf("Get after the replay: ExpiredAt %v, %v; want %v", l.ExpiredAt, err, at)
	}
}

// TestTLS: a rediss:// URL reaches a Redis that speaks only TLS, trusting
// its certificate, and the store works through it.
func TestTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Config{TLS: true})
	opts, _, err := redis.ParseURL(srv.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	if opts.TLSConfig == nil {
		t.Fatalf("ParseURL(%s): no TLS", srv.URL())
	}
	opts.TLSConfig.RootCAs = srv.Options().TLSConfig.RootCAs
	st := open(t, srv, redis.Options{Client: opts})
	if err := st.Put(ctx, entry("/tls", "over TLS", time.Now())); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Get(ctx, "/tls"); err != nil || string(l.Entry.Body) != "over TLS" {
		t.Fatalf("Get over TLS = %v, %v", l.Entry, err)
	}
	// Without trusting the certificate, nothing is read.
	plain, _, _ := redis.ParseURL(srv.URL(), "")
	untrusted := open(t, srv, redis.Options{Client: plain})
	if _, err := untrusted.Get(ctx, "/tls"); err == nil {
		t.Fatal("Get with an untrusted certificate succeeded")
	}
}

// TestClearEndsTheOutboxWait: an invalidation that Redis refuses waits in
// the outbox and Health reports it; Clear, which writes over every
// stamp, ends the wait, and Health is nil again.
func TestClearEndsTheOutboxWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := open(t, srv, redis.Options{Prefix: "clearq"})
	// A stamp key of the wrong type makes the invalidation (and each
	// replay of it) fail while Redis answers.
	if err := srv.Client().Set(ctx, "gox:{clearq}:t:news", "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidateTags(ctx, []string{"news"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if err := st.Health(); err == nil {
		t.Fatal("Health = nil with an invalidation waiting in the outbox")
	}
	if err := st.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Health(); err != nil {
		t.Fatalf("Health after Clear = %v, want nil", err)
	}
}

// TestEvictedSequenceReportsChangeAllOnce: when Redis loses the stream's
// small sequence key while the stream stays, B's subscribers are told
// ChangeAll once; B's later empty reads report nothing more, and the next
// message reaches them as itself.
func TestEvictedSequenceReportsChangeAllOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	a := open(t, srv, redis.Options{Prefix: "seq"})
	b := open(t, srv, redis.Options{Prefix: "seq"})
	got := subscribe(b)
	eventually(t, "B reading the stream", func() bool {
		if _, err := a.InvalidateTags(ctx, []string{"ready"}, time.Now(), cache.Stale); err != nil {
			t.Fatal(err)
		}
		tags, _ := got.snapshot()
		return len(tags) > 0
	})
	_, before := got.snapshot()
	if err := srv.Client().Del(ctx, "gox:{seq}:q").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a ChangeAll", func() bool { _, all := got.snapshot(); return all > before })
	// Each reader checks the sequence (GET) after each empty read: wait
	// for two more checks of each.
	gets := getCalls(t, srv)
	eventually(t, "two more empty reads of each reader", func() bool { return getCalls(t, srv) >= gets+4 })
	if _, err := a.InvalidateTags(ctx, []string{"after"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B read the invalidation after the loss", func() bool {
		tags, all := got.snapshot()
		return slices.Contains(tags, "after") || all > before+1
	})
	if tags, all := got.snapshot(); all != before+1 || !slices.Contains(tags, "after") {
		t.Fatalf("%d ChangeAll after the sequence key was lost, want 1; B got the next invalidation: %v", all-before, slices.Contains(tags, "after"))
	}
}

// getCalls returns how many GET commands srv has run.
func getCalls(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	info, err := srv.Client().Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(info, "cmdstat_get:calls=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
	return n
}

// TestLatePutAfterEvictedStamp: a render that started before an
// invalidation and is stored after Redis evicted the invalidated tag's
// stamp (deleted here) recreates that stamp: the page still reads as
// revalidated, never fresh, whether the tag's index names other pages or
// only this one.
func TestLatePutAfterEvictedStamp(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, first string }{
		{"another page of the tag", "/other"},
		{"an earlier render of the page", "/late"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := redistest.Start(t)
			prefix := fmt.Sprint("late", i)
			st := open(t, srv, redis.Options{Prefix: prefix})
			t0 := time.Now().Add(-time.Hour)
			if err := st.Put(ctx, entry(tt.first, "first", t0, "news")); err != nil {
				t.Fatal(err)
			}
			started := t0.Add(time.Minute)
			at := started.Add(time.Minute)
			if _, err := st.InvalidateTags(ctx, []string{"news"}, at, cache.Stale); err != nil {
				t.Fatal(err)
			}
			if err := srv.Client().Del(ctx, "gox:{"+prefix+"}:t:news").Err(); err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, entry("/late", "late", started, "news")); err != nil {
				t.Fatal(err)
			}
			l, err := st.Get(ctx, "/late")
			if err != nil {
				t.Fatal(err)
			}
			if l.RevalidatedAt.Before(at) {
				t.Fatalf("/late reads RevalidatedAt %v, want at or after the invalidation %v it missed", l.RevalidatedAt, at)
			}
		})
	}
}

// TestStampsOutliveTheirRows: every stamp a Put, a SetMeta or an
// invalidation writes has a TTL, at least as long as the rows it covers,
// so that nothing of a crawl of unknown slugs stays in Redis forever,
// and a stamp written by an earlier version without one gets one.
func TestStampsOutliveTheirRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := open(t, srv, redis.Options{Prefix: "ttl", EntryTTL: time.Hour})
	rdb := srv.Client()
	pttl := func(key string) time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const row, tag, path = "gox:{ttl}:e:0:/p", "gox:{ttl}:t:news", "gox:{ttl}:p:/p"
	if err := rdb.HSet(ctx, tag, "r", "0000000000000000001").Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, entry("/p", "page", time.Now(), "news")); err != nil {
		t.Fatal(err)
	}
	if d := pttl(row); d <= 0 || d > time.Hour {
		t.Fatalf("the row's TTL = %v, want the entry TTL", d)
	}
	for _, k := range []string{tag, path} {
		if d := pttl(k); d < pttl(row) {
			t.Errorf("after Put, stamp %s has TTL %v, want at least its row's", k, d)
		}
	}
	// SetMeta starts the row's TTL again, and its stamps' with it.
	for _, k := range []string{tag, path} {
		if err := rdb.PExpire(ctx, k, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetMeta(ctx, "/p", cache.Meta{GeneratedAt: time.Now(), Failures: 1}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{tag, path} {
		if d := pttl(k); d < pttl(row) {
			t.Errorf("after SetMeta, stamp %s has TTL %v, want at least its row's", k, d)
		}
	}
	// An invalidation of a name no page carries creates a stamp that
	// expires too.
	if _, err := st.InvalidatePaths(ctx, []string{"/unknown"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if d := pttl("gox:{ttl}:p:/unknown"); d <= 0 {
		t.Errorf("the stamp of an invalidated unknown path has TTL %v, want one", d)
	}
}

// TestIndexesAreBounded: a tag's index of pages keeps the most recent
// Options.MaxCoveredKeys rows and none whose row expired, while List of
// the tag still finds every page and Delete and invalidations work; index
// sets an earlier version left under the same prefix are no obstacle.
func TestIndexesAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client()
	t.Run("cap", func(t *testing.T) {
		st := open(t, srv, redis.Options{Prefix: "cap", MaxCoveredKeys: 5})
		// An earlier version's index sets.
		if err := rdb.SAdd(ctx, "gox:{cap}:ti:big", "0:/old").Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.SAdd(ctx, "gox:{cap}:pi:/big/0", "0:/big/0").Err(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 12 {
			k := fmt.Sprint("/big/", i)
			want = append(want, k)
			if err := st.Put(ctx, entry(k, "page", time.Now(), "big")); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := rdb.ZCard(ctx, "gox:{cap}:tz:big").Result(); err != nil || n != 5 {
			t.Fatalf("the tag's index holds %d rows (%v), want the cap 5", n, err)
		}
		infos, err := st.List(ctx, cache.Filter{Tag: "big"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range infos {
			got = append(got, in.Key)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("List(tag) = %v, want %v", got, want)
		}
		if err := st.Delete(ctx, "/big/11"); err != nil {
			t.Fatal(err)
		}
		keys, err := st.InvalidateTags(ctx, []string{"big"}, time.Now(), cache.Stale)
		if err != nil {
			t.Fatal(err)
		}
		if wantKeys := []string{"/big/10", "/big/7", "/big/8", "/big/9"}; !slices.Equal(keys, wantKeys) {
			t.Fatalf("InvalidateTags = %v, want the most recent pages still stored %v", keys, wantKeys)
		}
	})
	t.Run("expired rows leave", func(t *testing.T) {
		st := open(t, srv, redis.Options{Prefix: "expiry", EntryTTL: 200 * time.Millisecond})
		if err := st.Put(ctx, entry("/gone", "page", time.Now(), "news")); err != nil {
			t.Fatal(err)
		}
		// Another page of the tag keeps the index alive meanwhile.
		eventually(t, "the first row expired", func() bool {
			if err := st.Put(ctx, entry("/kept", "page", time.Now(), "news")); err != nil {
				t.Fatal(err)
			}
			n, err := rdb.Exists(ctx, "gox:{expiry}:e:0:/gone").Result()
			return err == nil && n == 0
		})
		if err := st.Put(ctx, entry("/kept", "page", time.Now(), "news")); err != nil {
			t.Fatal(err)
		}
		members, err := rdb.ZRange(ctx, "gox:{expiry}:tz:news", 0, -1).Result()
		if err != nil || !slices.Equal(members, []string{"0:/kept"}) {
			t.Fatalf("the tag's index = %v (%v), want only the row still stored", members, err)
		}
	})
}

// TestHungRedisCommandIsTriedOnce: a command to a Redis that stopped
// answering gives up at the command timeout; it is not tried again on a
// new connection, which would double the wait of the request.
func TestHungRedisCommandIsTriedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	opts := srv.Options()
	// tries counts the connections opened and the scripts sent on them.
	var tries atomic.Int64
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tries.Add(1)
		return &countingConn{Conn: c, sent: &tries}, nil
	}
	st := open(t, srv, redis.Options{Client: opts})
	if _, err := st.Get(ctx, "/p"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Continue() })
	before := tries.Load()
	if _, err := st.Get(ctx, "/p"); err == nil || errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get from a hung Redis = %v, want a timeout", err)
	}
	if n := tries.Load() - before; n != 1 {
		t.Fatalf("the Get tried the hung Redis %d times (scripts sent, connections opened), want 1", n)
	}
}

// countingConn counts the scripts (EVALSHA) written on it.
type countingConn struct {
	net.Conn
	sent *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	if bytes.Contains(bytes.ToLower(p), []byte("evalsha")) {
		c.sent.Add(1)
	}
	return c.Conn.Write(p)
}
