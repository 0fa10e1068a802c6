package tiered

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/cache/none"
)

func TestMetricsCountInnerCallsAndMemoryHits(t *testing.T) {
	if len(LatencyBuckets) != numBuckets {
		t.Fatalf("%d latency buckets, numBuckets %d", len(LatencyBuckets), numBuckets)
	}
	ctx := context.Background()
	inner := memory.New()
	st := over(t, inner, Options{})
	if err := st.Put(ctx, page("/a", "a", "t")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := st.Get(ctx, "/a"); err != nil { // one miss, two hits
			t.Fatal(err)
		}
	}
	st.Get(ctx, "/nothing") // a miss of the tier and of the store: no error
	if _, err := st.InvalidateTags(ctx, []string{"t"}, time.Now(), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMeta(ctx, "/gone", cache.Meta{}); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("SetMeta of a missing key: %v", err)
	}
	inner.Close() // every call fails from here on
	st.Delete(ctx, "/a")
	m := st.Metrics()
	if m.MemoryHits != 2 || m.MemoryMisses != 2 {
		t.Errorf("memory hits %d, misses %d; want 2 and 2", m.MemoryHits, m.MemoryMisses)
	}
	want := map[string][2]uint64{"get": {2, 0}, "put": {1, 0}, "set_meta": {1, 0}, "delete": {1, 1}, "invalidate": {1, 0}, "lease": {0, 0}}
	for _, op := range m.Inner {
		w := want[op.Op]
		if op.Calls != w[0] || op.Errors != w[1] {
			t.Errorf("%s: %d calls, %d errors; want %d, %d", op.Op, op.Calls, op.Errors, w[0], w[1])
		}
		if len(op.Buckets) != len(LatencyBuckets) || op.Buckets[len(op.Buckets)-1] > op.Calls {
			t.Errorf("%s: buckets %v for %d calls", op.Op, op.Buckets, op.Calls)
		}
		for i := 1; i < len(op.Buckets); i++ {
			if op.Buckets[i] < op.Buckets[i-1] {
				t.Errorf("%s: buckets %v not cumulative", op.Op, op.Buckets)
			}
		}
		delete(want, op.Op)
	}
	if len(want) != 0 {
		t.Errorf("operations missing: %v", want)
	}
}

func TestHealthForwards(t *testing.T) {
	if err := over(t, memory.New(), Options{}).Health(); err != nil {
		t.Errorf("over a store without health: %v", err)
	}
	st := over(t, none.New("read-only folder"), Options{})
	if err := st.Health(); err == nil {
		t.Error("over a store that keeps nothing: healthy")
	}
	st.Close()
	if err := st.Health(); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("closed: %v", err)
	}
}
