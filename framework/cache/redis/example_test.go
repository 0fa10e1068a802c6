package redis_test

import (
	"fmt"
	"log"

	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/tiered"
)

// A store for every instance of the app "shop", behind the memory tier. Open
// does not connect: the first request does, so an app starts even while its
// Redis is down.
func Example() {
	st, err := redis.Open(redis.Options{
		URL:        "redis://127.0.0.1:6379/0",
		Prefix:     "shop",
		OutboxPath: ".gox/redis-outbox.db",
	})
	if err != nil {
		log.Fatal(err)
	}
	tier, err := tiered.New(st, tiered.Options{}) // the tier closes st
	if err != nil {
		log.Fatal(err)
	}
	defer tier.Close()
}

// GOX_CACHE names a Redis with a URL; prefix= names the app.
func ExampleParseURL() {
	opts, prefix, err := redis.ParseURL("rediss://cache.internal:6380/2?prefix=shop", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(opts.Addr, opts.DB, opts.TLSConfig != nil, prefix)
	// Output: cache.internal:6380 2 true shop
}
