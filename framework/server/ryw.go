package server

import (
	"net/http"
	"strings"
	"time"
)

// rywCookie tells gox that this browser just changed data at a given time,
// so its next page loads wait for renders newer than that: it reads its
// own write while other visitors keep getting the stale page at once.
//
// It is signed (App.ryw), so a client cannot claim a write it did not make
// and force a render on every request. The key is per process: on another
// instance the cookie is ignored and the visitor sees the page as everyone
// does.
const rywCookie = "__gox_ryw"

// rywWindow is how long a write is remembered; the eager regeneration has
// long landed by then.
const rywWindow = 30 * time.Second

func (a *App) rywCookie(at time.Time, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: rywCookie, Value: a.ryw.Seal(at),
		Path: "/", MaxAge: int(rywWindow / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// rywNotBefore returns the write time the request's cookie proves, or zero.
func (a *App) rywNotBefore(r *http.Request) time.Time {
	// Most requests carry no such cookie: check before parsing cookies.
	if !strings.Contains(r.Header.Get("Cookie"), rywCookie+"=") {
		return time.Time{}
	}
	c, err := r.Cookie(rywCookie)
	if err != nil {
		return time.Time{}
	}
	at, ok := a.ryw.Open(c.Value)
	if now := time.Now(); !ok || at.After(now) || now.Sub(at) > rywWindow {
		return time.Time{}
	}
	return at
}
