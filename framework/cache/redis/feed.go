package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goxweb/gox/framework/cache"
)

// Timing of the stream reader and the outbox replay.
const (
	// readBlock is how long one XREAD waits for messages; after each empty
	// wait the reader checks that it missed nothing (the stream key itself
	// may have been evicted or deleted).
	readBlock = 2 * time.Second
	// readBatch bounds the messages one XREAD returns.
	readBatch = 1000
	// retryMin and retryMax bound the wait before reconnecting.
	retryMin, retryMax = 50 * time.Millisecond, 2 * time.Second
	// replayInterval is how often waiting invalidations are tried again.
	replayInterval = 500 * time.Millisecond
)

// readerName starts the client name of each store's stream reader
// connection (see ReaderClientName).
const readerName = "gox-stream-"

// ReaderClientName is the client name of the connection on which s reads
// the change stream, as CLIENT LIST shows it: an operator can tell each
// instance's reader apart (and a test can kill it).
func (s *Store) ReaderClientName() string { return readerName + s.origin }

// position is where the reader is in the stream: the id and sequence
// number of the last message it saw.
type position struct {
	id      string
	seq     int64
	started bool
}

// read follows the change stream until ctx ends, reconnecting after
// errors from where it left off.
func (s *Store) read(ctx context.Context) {
	var pos position
	wait := retryMin
	failing := false
	for ctx.Err() == nil {
		err := s.follow(ctx, &pos, func() { wait = retryMin; failing = false })
		if ctx.Err() != nil {
			return
		}
		if !failing {
			failing = true
			s.log.Warn("gox cache: reading the Redis change stream; reconnecting", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}

// follow reads the stream on a connection of its own until an error.
// ok is called after each successful read.
func (s *Store) follow(ctx context.Context, pos *position, ok func()) error {
	conn := s.rdb.EphemeralConn() // its name must not outlive it in the pool
	defer conn.Close()
	if err := conn.ClientSetName(ctx, s.ReaderClientName()).Err(); err != nil {
		return err
	}
	if !pos.started {
		if err := s.start(ctx, conn, pos); err != nil {
			return err
		}
		// Pages a memory tier read before this point may predate
		// changes the reader will never see.
		s.feed.Send([]cache.Change{{Kind: cache.ChangeAll}})
	}
	for {
		streams, err := conn.XRead(ctx, &goredis.XReadArgs{
			Streams: []string{s.keys.stream(), pos.id}, Count: readBatch, Block: readBlock,
		}).Result()
		if errors.Is(err, goredis.Nil) {
			if err := s.checkGap(ctx, conn, pos); err != nil {
				return err
			}
			ok()
			continue
		}
		if err != nil {
			return err
		}
		ok()
		for _, st := range streams {
			s.deliver(pos, st.Messages)
		}
	}
}

// start places pos at the end of the stream and at the sequence number
// the next message follows, both read in one transaction: the sequence
// key, when Redis evicted it while the stream stayed (or the stream while
// it stayed), is adopted as it is now, so that the next message does not
// look like a gap.
func (s *Store) start(ctx context.Context, conn *goredis.Conn, pos *position) error {
	var last *goredis.XMessageSliceCmd
	var seq *goredis.StringCmd
	_, err := conn.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		last = p.XRevRangeN(ctx, s.keys.stream(), "+", "-", 1)
		seq = p.Get(ctx, s.keys.seq())
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return err
	}
	msgs, err := last.Result()
	if err != nil {
		return err
	}
	n, err := seq.Int64()
	if errors.Is(err, goredis.Nil) {
		n, err = 0, nil // the first INCR makes 1
	}
	if err != nil {
		return err
	}
	pos.id, pos.seq = "0-0", n
	if len(msgs) > 0 {
		pos.id = msgs[0].ID
	}
	pos.started = true
	return nil
}

// checkGap runs after an XREAD that found nothing: if the sequence went
// on without a message after pos (the stream was evicted or deleted) or
// went back (the sequence key was), the subscribers are told ChangeAll,
// once: pos then takes the stream's end and the sequence as they are.
func (s *Store) checkGap(ctx context.Context, conn *goredis.Conn, pos *position) error {
	seq, err := conn.Get(ctx, s.keys.seq()).Int64()
	if errors.Is(err, goredis.Nil) {
		seq, err = 0, nil
	}
	if err != nil || seq == pos.seq {
		return err
	}
	if seq > pos.seq {
		next, err := conn.XRangeN(ctx, s.keys.stream(), "("+pos.id, "+", 1).Result()
		if err != nil {
			return err
		}
		if len(next) > 0 && seqOf(next[0]) == pos.seq+1 {
			return nil // the next XREAD gets it
		}
	}
	if err := s.start(ctx, conn, pos); err != nil {
		return err
	}
	s.feed.Send([]cache.Change{{Kind: cache.ChangeAll}})
	return nil
}

// deliver turns messages into changes for the subscribers, skipping this
// store's own. A message whose sequence number does not follow the last
// one seen means some were trimmed away unread: the subscribers then get
// ChangeAll.
func (s *Store) deliver(pos *position, msgs []goredis.XMessage) {
	var changes []cache.Change
	gap := false
	for _, m := range msgs {
		seq := seqOf(m)
		if seq != pos.seq+1 {
			gap = true
		}
		pos.id, pos.seq = m.ID, seq
		if o, _ := m.Values["o"].(string); o == s.origin {
			continue
		}
		kind, _ := m.Values["k"].(string)
		packed, _ := m.Values["n"].(string)
		names, err := unpack(packed)
		if err != nil {
			gap = true
			continue
		}
		var ck cache.ChangeKind
		switch kind {
		case "e":
			ck = cache.ChangeEntry
		case kindTag:
			ck = cache.ChangeTag
		case kindPath:
			ck = cache.ChangePath
		default:
			gap = true
			continue
		}
		for _, n := range names {
			changes = append(changes, cache.Change{Kind: ck, Name: n})
		}
	}
	if gap {
		changes = []cache.Change{{Kind: cache.ChangeAll}}
	}
	s.feed.Send(changes)
}

func seqOf(m goredis.XMessage) int64 {
	q, _ := m.Values["q"].(string)
	n, _ := strconv.ParseInt(q, 10, 64)
	return n
}

// maintain replays waiting invalidations until ctx ends: every
// replayInterval, and at once when the breaker closes again. After a
// replay the subscribers get ChangeAll, so that a memory tier reloads
// every page with the stamps Redis holds now.
func (s *Store) maintain(ctx context.Context) {
	tick := time.NewTicker(replayInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.reconnected:
		}
		n, err := s.replay(ctx)
		if err != nil || n == 0 {
			continue
		}
		s.log.Info("gox cache: Redis is back; the invalidations made meanwhile are replayed", "names", n)
		s.feed.Send([]cache.Change{{Kind: cache.ChangeAll}})
	}
}

// onReconnect wakes maintain when the breaker closes.
func (s *Store) onReconnect() {
	select {
	case s.reconnected <- struct{}{}:
	default:
	}
}

// Subscribe registers fn for the changes other stores (other instances,
// other processes) write to Redis, as the stream reader gets them, and
// for ChangeAll when the reader may have missed some, or an outbox replay
// wrote this store's own waiting invalidations.
func (s *Store) Subscribe(fn func([]cache.Change)) (cancel func()) {
	return s.feed.Subscribe(fn)
}
