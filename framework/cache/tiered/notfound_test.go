package tiered

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
)

// countingStore counts the reads that reach the inner store, by key.
type countingStore struct {
	cache.Store
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingStore) Get(ctx context.Context, key string) (cache.Lookup, error) {
	c.mu.Lock()
	c.reads[key]++
	c.mu.Unlock()
	return c.Store.Get(ctx, key)
}

// TestCrawlKeepsHotPagesInMemory: a crawl of 20,000 unknown slugs, each
// a cached 404 read once or twice, goes through a memory tier with room
// for about a hundred pages; the six product pages read often stay in
// memory (the tier admits by read frequency), so their reads after the
// crawl do not reach the inner store.
func TestCrawlKeepsHotPagesInMemory(t *testing.T) {
	ctx := context.Background()
	inner := &countingStore{Store: memory.New(), reads: map[string]int{}}
	body := make([]byte, 512)
	tier := over(t, inner, Options{MemoryBytes: 100 * (int64(len(body)) + entryOverhead + 64)})
	var real []string
	for i := range 6 {
		k := fmt.Sprintf("/products/real-%d", i)
		if err := inner.Put(ctx, page(k, string(body)+k, "product-list")); err != nil {
			t.Fatal(err)
		}
		real = append(real, k)
	}
	for range 20 {
		for _, k := range real {
			if _, err := tier.Get(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 20_000 {
		k := fmt.Sprintf("/products/unknown-%d", i)
		e := page(k, string(body), "product-list")
		e.Status = 404
		if err := inner.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
		for range 1 + i%2 {
			if _, err := tier.Get(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if i%100 == 99 {
			// The shop keeps selling meanwhile.
			for _, k := range real {
				if _, err := tier.Get(ctx, k); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	inner.mu.Lock()
	before := map[string]int{}
	for _, k := range real {
		before[k] = inner.reads[k]
	}
	inner.mu.Unlock()
	for _, k := range real {
		if _, err := tier.Get(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	inner.mu.Lock()
	defer inner.mu.Unlock()
	// Admission is by a sketch of read frequencies with random hashing, so
	// a hot page may lose its place by chance; a tier without frequency
	// admission loses all six.
	var left []string
	for _, k := range real {
		if inner.reads[k] != before[k] {
			left = append(left, k)
		}
	}
	if len(left) > 1 {
		t.Errorf("%d of %d hot pages left memory during the crawl (%q), want at most 1", len(left), len(real), left)
	}
}
