package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
)

func Example() {
	dir, err := os.MkdirTemp("", "gox-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, err := sqlite.Open(filepath.Join(dir, ".gox", "cache.db"), sqlite.Options{MaxBytes: 1 << 30})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	err = st.Put(ctx, &cache.Entry{
		Key:         "/products/1",
		Route:       "/products/{id}",
		Status:      200,
		Body:        []byte("<h1>Product 1</h1>"),
		GeneratedAt: time.Now(),
		Tags:        []string{"product-1", "products"},
	})
	if err != nil {
		log.Fatal(err)
	}

	// A webhook reports that product 1 changed.
	keys, err := st.InvalidateTags(ctx, []string{"product-1"}, time.Now(), cache.Stale)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("covered:", keys)

	l, err := st.Get(ctx, "/products/1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, stale: %v\n", l.Entry.Body, !l.RevalidatedAt.Before(l.Entry.GeneratedAt))
	// Output:
	// covered: [/products/1]
	// <h1>Product 1</h1>, stale: true
}
