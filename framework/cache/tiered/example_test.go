package tiered_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/cache/tiered"
)

func Example() {
	ctx := context.Background()
	// Any cache.Store goes behind the tier; a server uses sqlite.Open.
	st, err := tiered.New(memory.New(), tiered.Options{MemoryBytes: 64 << 20})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close() // closes the inner store too

	if err := st.Put(ctx, &cache.Entry{Key: "/", Route: "/", Status: 200, Body: []byte("home"), Tags: []string{"home"}, GeneratedAt: time.Now()}); err != nil {
		log.Fatal(err)
	}
	first, _ := st.Get(ctx, "/")  // from the inner store, then kept in memory
	second, _ := st.Get(ctx, "/") // from memory: the same entry
	fmt.Println(string(second.Entry.Body), first.Entry == second.Entry)

	// An invalidation drops what it covers, so the next Get sees the stamp.
	if _, err := st.InvalidateTags(ctx, []string{"home"}, time.Now(), cache.Stale); err != nil {
		log.Fatal(err)
	}
	l, _ := st.Get(ctx, "/")
	fmt.Println(l.RevalidatedAt.IsZero())
	// Output:
	// home true
	// false
}
