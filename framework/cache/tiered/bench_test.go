package tiered

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// benchBody is about 1 KB of page.
var benchBody = strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n", 16)

// benchStore returns a tier over sqlite holding n entries, all in memory.
func benchStore(b *testing.B, n int) (*Store, []string) {
	ctx := context.Background()
	st := open(b, Options{})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "/products/" + strconv.Itoa(i)
		e := page(keys[i], "<h1>"+keys[i]+"</h1>\n"+benchBody, "product-"+strconv.Itoa(i), "products-page-"+strconv.Itoa(i/100))
		e.Route = "/products/{id}"
		if err := st.Put(ctx, e); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Get(ctx, keys[i]); err != nil {
			b.Fatal(err)
		}
	}
	return st, keys
}

// BenchmarkGetMemory measures a Get served by the memory tier.
func BenchmarkGetMemory(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	st, keys := benchStore(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Get(ctx, keys[i%n]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetMemoryParallel is BenchmarkGetMemory from all cores.
func BenchmarkGetMemoryParallel(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	st, keys := benchStore(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(n)
		for pb.Next() {
			i++
			if _, err := st.Get(ctx, keys[i%n]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
