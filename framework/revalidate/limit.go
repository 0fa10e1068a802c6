package revalidate

import (
	"math"
	"net/netip"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"
)

// Defaults of a Limiter: ten wrong tokens at once, then one every six
// seconds, remembered for up to 10,000 clients.
const (
	DefaultFailBurst  = 10
	DefaultFailEvery  = 6 * time.Second
	DefaultMaxClients = 10_000
)

// Limiter counts failed authentications per client so that a token cannot
// be guessed at the speed of the network: past the burst, a client waits
// before its next try, while every other client is unaffected. It
// remembers at most a bounded number of clients (the least recently seen
// are forgotten), and groups IPv6 addresses by /64, the block a single
// host is usually given. Safe for concurrent use.
type Limiter struct {
	clients *otter.Cache[netip.Addr, *rate.Limiter]
	every   rate.Limit
	burst   int
}

// NewLimiter returns a Limiter that lets a client fail burst times at
// once and then once per every, remembering at most maxClients clients.
// Zero values take the defaults.
func NewLimiter(burst int, every time.Duration, maxClients int) *Limiter {
	if burst <= 0 {
		burst = DefaultFailBurst
	}
	if every <= 0 {
		every = DefaultFailEvery
	}
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	return &Limiter{
		clients: otter.Must(&otter.Options[netip.Addr, *rate.Limiter]{MaximumSize: maxClients}),
		every:   rate.Every(every),
		burst:   burst,
	}
}

// Wait returns how long client must wait before its next try, or 0 when
// it may try now. It does not count a try: call Failed when one fails.
func (l *Limiter) Wait(client netip.Addr) time.Duration {
	lim, ok := l.clients.GetIfPresent(clientKey(client))
	if !ok {
		return 0
	}
	tokens := lim.Tokens()
	if tokens >= 1 {
		return 0
	}
	wait := time.Duration((1 - tokens) / float64(l.every) * float64(time.Second))
	return max(wait, time.Second)
}

// Failed counts one failed authentication of client.
func (l *Limiter) Failed(client netip.Addr) {
	lim, _ := l.clients.ComputeIfAbsent(clientKey(client), func() (*rate.Limiter, bool) {
		return rate.NewLimiter(l.every, l.burst), false
	})
	lim.Allow()
}

// RetryAfter formats a wait as a Retry-After value: whole seconds, rounded
// up, at least 1.
func RetryAfter(wait time.Duration) int {
	return int(max(1, math.Ceil(wait.Seconds())))
}

func clientKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}
