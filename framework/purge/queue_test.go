package purge_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/internal/syncbuf"
)

// syncBuffer collects log lines written by other goroutines.
type syncBuffer struct{ syncbuf.Buffer }

// call is one Purge a recorder saw.
type call struct {
	Keys []string
	Soft bool
}

// recorder is a Purger that keeps its calls; fail decides each call's
// error, gate (when set) holds each call until it is closed, and entered
// gets a value as each call starts.
type recorder struct {
	mu      sync.Mutex
	calls   []call
	max     int
	fail    func(n int) error
	gate    chan struct{}
	entered chan struct{}
	n       int
}

func (r *recorder) Name() string { return "test" }
func (r *recorder) MaxKeys() int { return r.max }
func (r *recorder) Purge(ctx context.Context, keys []string, soft bool) error {
	if r.entered != nil {
		r.entered <- struct{}{}
	}
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.fail != nil {
		if err := r.fail(r.n); err != nil {
			return err
		}
	}
	r.calls = append(r.calls, call{slices.Clone(keys), soft})
	return nil
}

func (r *recorder) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not seen within 5 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var quiet = slog.New(slog.DiscardHandler)

func TestQueueCoalescesAndChunks(t *testing.T) {
	t.Parallel()
	r := &recorder{max: 3, gate: make(chan struct{}), entered: make(chan struct{}, 100)}
	q := purge.NewQueue([]purge.Purger{r}, purge.Options{Logger: quiet})
	defer q.Close()
	q.Add([]string{"first"}, true)
	<-r.entered // the worker is busy with "first": the rest queue up
	q.Add([]string{"a", "b"}, true)
	q.Add([]string{"b", "c", "d", "e"}, true)
	q.Add([]string{"e", "x"}, false) // e asked both ways: purged hard
	q.Add(nil, false)                // nothing to purge: not queued
	close(r.gate)
	eventually(t, "every key purged", func() bool { return len(r.got()) == 4 })
	want := []call{
		{[]string{"first"}, true},
		{[]string{"e", "x"}, false},
		{[]string{"a", "b", "c"}, true},
		{[]string{"d"}, true},
	}
	if d := cmp.Diff(want, r.got()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	st := q.Stats()[0]
	if st.CDN != "test" || st.Calls != 4 || st.Keys != 7 || st.Failures != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestQueueRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	r := &recorder{max: 10, fail: func(n int) error {
		if n <= 2 {
			return errors.New("connection refused")
		}
		return nil
	}}
	q := purge.NewQueue([]purge.Purger{r}, purge.Options{Logger: quiet, RetryBase: time.Millisecond})
	defer q.Close()
	q.Add([]string{"k"}, false)
	eventually(t, "the third try lands", func() bool { return len(r.got()) == 1 })
	if st := q.Stats()[0]; st.Calls != 1 || st.Failures != 2 || st.GaveUp != 0 {
		t.Errorf("stats %+v, want 1 call after 2 failures", st)
	}
}

func TestQueueGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		failures int64
	}{
		{"after its attempts", errors.New("timeout"), 3},
		{"at once on a refusal", &purge.StatusError{CDN: "test", Code: 401, Body: "bad token"}, 1},
		{"after its attempts on 429", &purge.StatusError{CDN: "test", Code: 429}, 3},
		{"after its attempts on 503", &purge.StatusError{CDN: "test", Code: 503}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{max: 10, fail: func(int) error { return tt.err }}
			q := purge.NewQueue([]purge.Purger{r}, purge.Options{Logger: quiet, Attempts: 3, RetryBase: time.Millisecond})
			defer q.Close()
			q.Add([]string{"k"}, false)
			eventually(t, "given up", func() bool { return q.Stats()[0].GaveUp == 1 })
			if st := q.Stats()[0]; st.Failures != tt.failures || st.Calls != 0 {
				t.Errorf("stats %+v, want %d failures", st, tt.failures)
			}
		})
	}
}

// A CDN that hangs costs a bounded queue: Add never blocks, and what does
// not fit is dropped and counted, for that CDN alone.
func TestQueueIsBoundedAndNeverBlocks(t *testing.T) {
	t.Parallel()
	hung := &recorder{max: 10, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	fine := &recorder{max: 1000}
	q := purge.NewQueue([]purge.Purger{hung, fine}, purge.Options{Logger: quiet, Capacity: 2, CloseTimeout: 10 * time.Millisecond})
	q.Add([]string{"k0"}, false)
	<-hung.entered
	// k0 reached the healthy CDN by itself before the next purge is
	// queued, or the two would be coalesced into one call.
	eventually(t, "k0 purged at the healthy CDN", func() bool { return len(fine.got()) == 1 })
	done := make(chan struct{})
	go func() {
		for i := range 10 {
			q.Add([]string{"k" + string(rune('a'+i))}, false)
			// One purge at a time reaches the healthy CDN, so none is
			// coalesced with the next and the counts below are exact.
			for deadline := time.Now().Add(5 * time.Second); len(fine.got()) < i+2 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Add blocked behind a hung CDN")
	}
	st := q.Stats()
	if st[0].Dropped != 8 || st[0].Queued != 2 || st[1].Dropped != 0 || st[1].Calls != 11 {
		t.Errorf("stats %+v, want 8 dropped and 2 queued for the hung CDN, 11 calls for the other", st)
	}
	closed := make(chan struct{})
	go func() { q.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited on a hung CDN past its timeout")
	}
	q.Add([]string{"late"}, false)
	if st := q.Stats(); st[1].Dropped != 1 {
		t.Errorf("a purge after Close: %+v, want it dropped", st[1])
	}
}

// Failures are logged once per LogEvery, with their count, not once each.
func TestQueueLogsFailuresRateLimited(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	r := &recorder{max: 1, fail: func(int) error { return errors.New("refused") }}
	q := purge.NewQueue([]purge.Purger{r}, purge.Options{
		Logger: slog.New(slog.NewTextHandler(&buf, nil)), Attempts: 1, LogEvery: time.Hour,
	})
	for i := range 50 {
		q.Add([]string{string(rune('a' + i%26))}, false)
	}
	eventually(t, "every purge tried", func() bool {
		st := q.Stats()[0]
		return st.GaveUp+st.Dropped >= 26 && st.Queued == 0
	})
	q.Close()
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, buf.String())
	}
}
