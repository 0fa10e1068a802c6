package cache_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/goxweb/gox/framework/cache"
)

func TestFeed(t *testing.T) {
	t.Parallel()
	var f cache.Feed
	var mu sync.Mutex
	var a, b []cache.Change
	cancelA := f.Subscribe(func(cs []cache.Change) { mu.Lock(); a = append(a, cs...); mu.Unlock() })
	f.Subscribe(func(cs []cache.Change) { mu.Lock(); b = append(b, cs...); mu.Unlock() })
	f.Send(nil) // nothing to say: nobody is called
	f.Send([]cache.Change{{Kind: cache.ChangeTag, Name: "t"}})
	cancelA()
	cancelA() // again: harmless
	f.SendKeys([]string{"/a", "/b"})
	f.SendKeys(nil)
	mu.Lock()
	defer mu.Unlock()
	if want := []cache.Change{{Kind: cache.ChangeTag, Name: "t"}}; !slices.Equal(a, want) {
		t.Errorf("cancelled subscriber got %v, want %v", a, want)
	}
	want := []cache.Change{{Kind: cache.ChangeTag, Name: "t"}, {Kind: cache.ChangeEntry, Name: "/a"}, {Kind: cache.ChangeEntry, Name: "/b"}}
	if !slices.Equal(b, want) {
		t.Errorf("subscriber got %v, want %v", b, want)
	}
}
