// Package devproxy is gox dev's front: a reverse proxy to the app being
// developed that injects a reload script into HTML, pushes reload and
// stylesheet events over server-sent events, shows build errors as a page
// while the last good app keeps running, and waits for the app while it
// restarts instead of failing.
//
// Example:
//
//	p := devproxy.New(&url.URL{Scheme: "http", Host: "127.0.0.1:4123"})
//	go http.ListenAndServe("127.0.0.1:3000", p)
//	p.Reload()
package devproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths the proxy answers itself.
const (
	EventsPath = "/_gox/dev/events"
	ScriptPath = "/_gox/dev/reload.js"
)

// scriptTag is injected into every HTML page. v is the proxy's generation
// when the page was requested: the script compares it with the generation
// the event stream announces on connect, so a page whose stream connected
// after a reload event still reloads.
func scriptTag(gen uint64) string {
	return `<script src="` + ScriptPath + `?v=` + strconv.FormatUint(gen, 10) + `" defer></script>`
}

// genKey carries the generation from ServeHTTP to inject.
type genKey struct{}

// Proxy is the dev server's handler.
type Proxy struct {
	target *url.URL
	rp     *httputil.ReverseProxy
	// RestartWait bounds how long a request waits for an app that is not
	// listening (restarting) before a 502.
	RestartWait time.Duration

	mu      sync.Mutex
	clients map[chan string]struct{}
	errMsg  string
	gen     uint64 // counts reloads: what the app serves changed
}

// New returns a proxy to target.
func New(target *url.URL) *Proxy {
	p := &Proxy{target: target, RestartWait: 10 * time.Second, clients: map[chan string]struct{}{}}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			// Uncompressed HTML, so the script can be injected.
			pr.Out.Header.Del("Accept-Encoding")
		},
		ModifyResponse: inject,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.mu.Lock()
			gen := p.gen
			p.mu.Unlock()
			if isDial(err) {
				page(w, http.StatusBadGateway, "The app is not running", err.Error(), gen)
				return
			}
			// The app took the request and closed the connection without
			// an answer: it is running, what it logged says why.
			page(w, http.StatusBadGateway, "The app dropped the request",
				err.Error()+"\n\nThe app closed the connection without answering; its log in the terminal says why.", gen)
		},
	}
	return p
}

// isDial reports whether err is a failure to connect to the app, as
// opposed to a connection the app closed.
func isDial(err error) bool {
	oe, ok := errors.AsType[*net.OpError](err)
	return ok && oe.Op == "dial"
}

// inject adds the reload script to HTML responses.
func inject(resp *http.Response) error {
	gen, _ := resp.Request.Context().Value(genKey{}).(uint64)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Encoding") != "" {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if i := bytes.LastIndex(body, []byte("</body>")); i >= 0 {
		body = append(body[:i:i], append([]byte(scriptTag(gen)), body[i:]...)...)
	} else {
		body = append(body, scriptTag(gen)...)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("Etag") // the bytes are not the app's any more
	return nil
}

// ServeHTTP answers the dev endpoints itself and proxies everything else.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case EventsPath:
		p.events(w, r)
		return
	case ScriptPath:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, reloadJS)
		return
	}
	p.mu.Lock()
	msg, gen := p.errMsg, p.gen
	p.mu.Unlock()
	if msg != "" && isPage(r) {
		page(w, http.StatusInternalServerError, "Build failed", msg, gen)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		p.waitForApp(r)
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), genKey{}, gen)))
}

// isPage reports whether r asks for a page (not an asset or an API).
func isPage(r *http.Request) bool {
	return r.Method == http.MethodGet && (strings.Contains(r.Header.Get("Accept"), "text/html") || path.Ext(r.URL.Path) == "")
}

// waitForApp waits (bounded) until the app accepts connections: after a
// save it is restarting, and the browser's reload should wait, not fail.
func (p *Proxy) waitForApp(r *http.Request) {
	deadline := time.Now().Add(p.RestartWait)
	for time.Now().Before(deadline) && r.Context().Err() == nil {
		c, err := net.DialTimeout("tcp", p.target.Host, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// events streams server-sent events to one browser.
func (p *Proxy) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan string, 8)
	p.mu.Lock()
	p.clients[ch] = struct{}{}
	gen := p.gen
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.clients, ch)
		p.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "event: hello\ndata: %d\n\n", gen)
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			io.WriteString(w, msg)
			fl.Flush()
		case <-ping.C:
			io.WriteString(w, ": ping\n\n")
			fl.Flush()
		}
	}
}

// broadcast sends ev to every browser without waiting for slow ones; a
// reload also moves the generation on, for browsers not listening now.
func (p *Proxy) broadcast(ev string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev == "reload" {
		p.gen++
	}
	msg := fmt.Sprintf("event: %s\ndata: %d\n\n", ev, p.gen)
	for ch := range p.clients {
		select {
		case ch <- msg:
		default:
		}
	}
}

// Clients returns how many browsers listen for events.
func (p *Proxy) Clients() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.clients)
}

// Reload makes every open page reload.
func (p *Proxy) Reload() { p.broadcast("reload") }

// ReloadCSS makes every open page fetch its stylesheets again, in place.
func (p *Proxy) ReloadCSS() { p.broadcast("css") }

// ShowError answers every page request with an error page showing msg
// (file:line and all) until ClearError, and tells open pages to show it.
func (p *Proxy) ShowError(msg string) {
	p.mu.Lock()
	p.errMsg = msg
	p.mu.Unlock()
	// A plain reload: the page request gets the error page. (An event
	// named "error" would be mistaken for a dropped connection.)
	p.broadcast("reload")
}

// ClearError goes back to proxying pages.
func (p *Proxy) ClearError() {
	p.mu.Lock()
	had := p.errMsg != ""
	p.errMsg = ""
	p.mu.Unlock()
	if had {
		p.broadcast("reload")
	}
}

// page writes one of the proxy's own pages; it reloads itself when the
// proxy says so.
func page(w http.ResponseWriter, code int, title, msg string, gen uint64) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2330}h1{color:#b3261e}pre{background:#fdf3f2;padding:1rem;overflow:auto;white-space:pre-wrap}</style>
</head><body><h1>%s</h1><pre id="gox-error">%s</pre><p>Fix the file and save: this page reloads by itself.</p>%s</body></html>`,
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg), scriptTag(gen))
}

// reloadJS listens for the proxy's events.
// The page's generation comes from its script URL; a stream that opens
// announcing another one (events missed, or gox dev restarted) reloads.
const reloadJS = `(() => {
  const gen = new URL(document.currentScript.src).searchParams.get("v");
  function connect() {
    const es = new EventSource("` + EventsPath + `");
    window.__goxDev = es; // lets tests and curious users see the connection
    es.addEventListener("hello", (e) => { if (e.data !== gen) location.reload(); });
    es.addEventListener("reload", () => location.reload());
    es.addEventListener("css", () => {
      for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
        const url = new URL(link.href);
        url.searchParams.set("v", Date.now());
        link.href = url.toString();
      }
    });
    es.onerror = () => { es.close(); setTimeout(connect, 500); };
  }
  connect();
})();
`
