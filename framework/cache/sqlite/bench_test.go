package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// benchBody is about 1 KB of page, made distinct per key by benchEntry.
var benchBody = strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n", 16)

func benchKey(i int) string { return "/products/" + strconv.Itoa(i) }

func benchEntry(i int) *cache.Entry {
	key := benchKey(i)
	body := []byte("<h1>" + key + "</h1>\n" + benchBody)
	return &cache.Entry{
		Key:         key,
		Route:       "/products/{id}",
		Status:      200,
		Header:      map[string][]string{"Content-Type": {"text/html; charset=utf-8"}},
		Body:        body,
		ETag:        `"` + strconv.FormatUint(xxhash.Sum64(body), 36) + `"`,
		Sum:         xxhash.Sum64(body),
		GeneratedAt: time.Now(),
		FreshUntil:  time.Now().Add(time.Hour),
		Tags:        []string{"product-" + strconv.Itoa(i), "products-page-" + strconv.Itoa(i/100)},
	}
}

// populate writes n entries to a new file at path through the store's own
// row writer, 50,000 to a transaction, skipping the change log: no other
// process has anything to drop.
func populate(b *testing.B, path string, n int) {
	b.Helper()
	st, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	start := time.Now()
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		err := st.writeTx(ctx, func(tx *sql.Tx) error {
			for i := lo; i < min(n, lo+batch); i++ {
				e := benchEntry(i)
				if err := st.writeEntry(ctx, tx, e, encode(e), time.Now().UnixNano()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	fi, _ := os.Stat(path)
	b.Logf("populated %d entries (%d MB) in %v", n, fi.Size()>>20, time.Since(start).Round(time.Millisecond))
}

// benchKeys holds the keys of populated files, built once per size.
var benchKeys sync.Map // int -> []string

func keysFor(n int) []string {
	if ks, ok := benchKeys.Load(n); ok {
		return ks.([]string)
	}
	ks := make([]string, n)
	for i := range ks {
		ks[i] = benchKey(i)
	}
	benchKeys.Store(n, ks)
	return ks
}

// BenchmarkGetDisk measures a Get read and verified from the file at
// random keys, and reports its 99th percentile latency.
// The files are populated once per run and shared by the runs of each
// sub-benchmark.
func BenchmarkGetDisk(b *testing.B) {
	dir := b.TempDir()
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(dir, fmt.Sprintf("cache-%d.db", n))
			if _, err := os.Stat(path); err != nil {
				populate(b, path, n)
			}
			st, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			keys := keysFor(n)
			rng := rand.New(rand.NewPCG(1, uint64(b.N)))
			lat := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range lat {
				k := keys[rng.IntN(n)]
				start := time.Now()
				if _, err := st.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
				lat[i] = time.Since(start)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
		})
	}
}

// BenchmarkPut measures a Put of a ~1 KB entry: one transaction with its
// tag rows and change row.
func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	st, err := Open(filepath.Join(b.TempDir(), "cache.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	entries := make([]*cache.Entry, 1000)
	for i := range entries {
		entries[i] = benchEntry(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.Put(ctx, entries[i%len(entries)]); err != nil {
			b.Fatal(err)
		}
	}
}
