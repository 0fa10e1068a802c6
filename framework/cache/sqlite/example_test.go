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

// Two builds of an app share one cache file, as in a rolling deploy: each
// reads its own page, and a build that has not rendered a page yet reads
// the other's (the ISR engine serves it stale and renders its own).
func ExampleOptions_buildID() {
	dir, err := os.MkdirTemp("", "gox-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "cache.db")

	old, err := sqlite.Open(path, sqlite.Options{BuildID: "release-1"})
	if err != nil {
		log.Fatal(err)
	}
	defer old.Close()
	cur, err := sqlite.Open(path, sqlite.Options{BuildID: "release-2"})
	if err != nil {
		log.Fatal(err)
	}
	defer cur.Close()

	put := func(st *sqlite.Store, build, body string) {
		e := &cache.Entry{Key: "/", Route: "/", Status: 200, Body: []byte(body), GeneratedAt: time.Now(), BuildID: build}
		if err := st.Put(ctx, e); err != nil {
			log.Fatal(err)
		}
	}
	show := func(who string, st *sqlite.Store) {
		l, err := st.Get(ctx, "/")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s reads %s's %s\n", who, l.Entry.BuildID, l.Entry.Body)
	}
	put(old, "release-1", "<p>old</p>")
	show("release-2", cur)
	put(cur, "release-2", "<p>new</p>")
	show("release-2", cur)
	show("release-1", old)
	// Output:
	// release-2 reads release-1's <p>old</p>
	// release-2 reads release-2's <p>new</p>
	// release-1 reads release-1's <p>old</p>
}
