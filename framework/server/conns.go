package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newConnGrace is how long a connection that has sent nothing yet may
// still bring a request: a load balancer opens connections ahead of its
// requests. http.Server.Shutdown keeps them open as long (Go issue 22682),
// but answers none of their requests.
const newConnGrace = 5 * time.Second

// activeConns counts the connections with a request in flight, response
// included, and notes when each connection that has sent nothing yet was
// accepted. http.Server.Shutdown polls for idle connections with
// a backoff of up to 500 ms; watching the count ends a shutdown as soon as
// the last response is written, which a short GOX_SHUTDOWN_TIMEOUT needs.
type activeConns struct {
	active sync.Map // net.Conn -> struct{}
	n      atomic.Int64
	fresh  sync.Map // net.Conn -> time.Time it was accepted
}

// track is an http.Server ConnState hook.
func (a *activeConns) track(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		a.fresh.Store(c, time.Now())
		return
	case http.StateActive:
		a.fresh.Delete(c)
		if _, loaded := a.active.LoadOrStore(c, struct{}{}); !loaded {
			a.n.Add(1)
		}
		return
	}
	// Idle, hijacked or closed: a connection that was active is done.
	a.fresh.Delete(c)
	if _, loaded := a.active.LoadAndDelete(c); loaded {
		a.n.Add(-1)
	}
}

// busy reports whether a request is in flight.
func (a *activeConns) busy() bool { return a.n.Load() > 0 }

// expecting reports whether a connection accepted less than newConnGrace
// before now has sent nothing yet, so may still bring a request.
func (a *activeConns) expecting(now time.Time) bool {
	expecting := false
	a.fresh.Range(func(_, at any) bool {
		expecting = now.Sub(at.(time.Time)) < newConnGrace
		return !expecting
	})
	return expecting
}
