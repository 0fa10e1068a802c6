package revalidate_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/revalidate"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := revalidate.NewLimiter(3, time.Hour, 100)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 3 {
		if w := l.Wait(a); w != 0 {
			t.Fatalf("after %d failures: wait %v, want 0", i, w)
		}
		l.Failed(a)
	}
	if w := l.Wait(a); w < time.Minute {
		t.Fatalf("past the burst: wait %v, want about an hour", w)
	}
	if w := l.Wait(b); w != 0 {
		t.Fatalf("another client: wait %v, want 0", w)
	}
	// An IPv6 host's neighbours in its /64 share its count.
	v6 := netip.MustParseAddr("2001:db8::1")
	for range 3 {
		l.Failed(v6)
	}
	if l.Wait(netip.MustParseAddr("2001:db8::ffff")) == 0 || l.Wait(netip.MustParseAddr("2001:db8:0:1::1")) != 0 {
		t.Fatal("IPv6 clients are not grouped by /64")
	}
	if got := revalidate.RetryAfter(1500 * time.Millisecond); got != 2 {
		t.Fatalf("RetryAfter(1.5s) = %d, want 2", got)
	}
}
