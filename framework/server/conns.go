package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// activeConns counts the connections with a request in flight, response
// included. http.Server.Shutdown polls for idle connections with a backoff
// of up to 500 ms; watching the count ends a shutdown as soon as the last
// response is written, which a short GOX_SHUTDOWN_TIMEOUT needs.
type activeConns struct {
	active sync.Map // net.Conn -> struct{}
	n      atomic.Int64
}

// track is an http.Server ConnState hook.
func (a *activeConns) track(c net.Conn, s http.ConnState) {
	if s == http.StateActive {
		if _, loaded := a.active.LoadOrStore(c, struct{}{}); !loaded {
			a.n.Add(1)
		}
		return
	}
	// Idle, hijacked or closed: a connection that was active is done.
	if _, loaded := a.active.LoadAndDelete(c); loaded {
		a.n.Add(-1)
	}
}

// idle reports whether no request is in flight.
func (a *activeConns) idle() bool { return a.n.Load() == 0 }
