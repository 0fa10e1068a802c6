package memory_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/memory"
)

func Example() {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()

	for _, key := range []string{"/posts", "/posts?page=2", "/posts/1"} {
		err := st.Put(ctx, &cache.Entry{Key: key, Route: key, Status: 200, Body: []byte("..."), GeneratedAt: time.Now()})
		if err != nil {
			log.Fatal(err)
		}
	}
	// A path covers its keys with any query, not the pages below it.
	keys, err := st.InvalidatePaths(ctx, []string{"/posts"}, time.Now(), cache.Expire)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(keys)
	// Output:
	// [/posts /posts?page=2]
}
