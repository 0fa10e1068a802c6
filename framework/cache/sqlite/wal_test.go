package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWALStaysBounded writes thousands of 1.3 KB pages while readers keep
// reading, which stops SQLite's own checkpoints from restarting the WAL:
// the store's checkpoints must keep the -wal file bounded.
func TestWALStaysBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const writes = 3000
	body := strings.Repeat("x", 1300)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = st.Get(ctx, fmt.Sprintf("/p/%d", rand.IntN(writes)))
			}
		})
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	var peak int64
	for i := range writes {
		e := page(fmt.Sprintf("/p/%d", i), body+fmt.Sprint(i), "all")
		e.Route = "/p/{x}"
		if err := st.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			peak = max(peak, walSize())
		}
	}
	close(stop)
	wg.Wait()
	// With the readers gone a checkpoint completes; the background one
	// may hold the checkpoint lock for a moment, hence a few tries.
	for range 20 {
		if err := st.checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if walSize() <= walSizeLimit {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Bound: the size limit the WAL is truncated to, plus what the writes
	// between two checkpoints add, with room for a loaded machine on which
	// the background checkpoint runs late or a reader makes it partial.
	// Without checkpoints these writes grow the WAL past 50 MiB.
	const bound = walSizeLimit + 8<<20
	t.Logf("peak WAL %d bytes over %d writes; after a checkpoint %d", peak, writes, walSize())
	if peak > bound {
		t.Errorf("the WAL reached %d bytes, want at most %d", peak, bound)
	}
	if got := walSize(); got > walSizeLimit {
		t.Errorf("the WAL is %d bytes after a checkpoint, want at most %d", got, walSizeLimit)
	}
}
