// Command loadtest measures gox's cache HIT path on loopback against a bare
// net/http handler that writes the same bytes, in the same run, and prints
// the figures as ratios. make bench runs it.
//
// Example:
//
//	go run ./framework/internal/loadtest -duration 3s -conns 32
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/internal/testapp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// result is one measured target.
type result struct {
	name     string
	requests int64
	rps      float64
	p50, p99 time.Duration
	renders  int64 // renders of the page, stampede and load together
}

func run() error {
	duration := flag.Duration("duration", 3*time.Second, "how long to load each target")
	conns := flag.Int("conns", 32, "concurrent keep-alive connections")
	path := flag.String("path", "/big", "page to request")
	first := flag.Int("stampede", 500, "concurrent first requests of the page, before the load")
	flag.Parse()

	dir, err := os.MkdirTemp("", "gox-loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)

	targets := []struct {
		name      string
		memoryOff bool
	}{{"gox HIT (memory tier)", false}, {"gox HIT (SQLite tier)", true}}
	var results []result
	var body []byte
	var header http.Header
	for i, tgt := range targets {
		mem := int64(0)
		if tgt.memoryOff {
			mem = -1
		}
		st, err := sqlite.Open(filepath.Join(dir, fmt.Sprintf("cache%d.db", i)), sqlite.Options{MemoryBytes: mem, Logger: quiet})
		if err != nil {
			return err
		}
		fix := testapp.New()
		app, err := gox.New(fix.Routes(), gox.Config{Store: st, Logger: quiet})
		if err != nil {
			return err
		}
		url, stop, err := serve(app.Handler())
		if err != nil {
			return err
		}
		// Warm with a stampede: every first request waits for one render.
		if body, header, err = stampede(url+*path, *first); err != nil {
			return err
		}
		stampedeRenders := fix.Renders.Load()
		r := load(tgt.name, url+*path, *conns, *duration)
		r.renders = fix.Renders.Load()
		if stampedeRenders != 1 || r.renders != 1 {
			return fmt.Errorf("%s: %d renders for %d first requests, %d after load, want 1", tgt.name, stampedeRenders, *first, r.renders)
		}
		results = append(results, r)
		stop()
		app.Close()
		st.Close()
	}
	// The baseline writes the very bytes and headers gox served.
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	url, stop, err := serve(bare)
	if err != nil {
		return err
	}
	base := load("bare net/http", url+*path, *conns, *duration)
	stop()

	fmt.Printf("\nloopback load test: GET %s (%d bytes), %d first requests at once then %d connections for %s per target, GOMAXPROCS %d\n\n",
		*path, len(body), *first, *conns, *duration, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\treq/s\tx bare\tp50\tp99\tp99 x bare\trenders\t")
	for _, r := range append([]result{base}, results...) {
		renders := "-"
		if r.renders > 0 {
			renders = strconv.FormatInt(r.renders, 10)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%s\t%s\t%.2f\t%s\t\n", r.name, r.rps, r.rps/base.rps,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), float64(r.p99)/float64(base.p99), renders)
	}
	tw.Flush()
	return nil
}

// serve starts h on a loopback port.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Shutdown(context.Background()) }, nil
}

// stampede requests url n times at once on a page not yet rendered, and
// returns one response's body and headers once all are answered.
func stampede(url string, n int) ([]byte, http.Header, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		body   []byte
		header http.Header
		first  error
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			b, h, err := fetch(client, url)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			body, header = b, h
		})
	}
	close(start)
	wg.Wait()
	return body, header, first
}

func fetch(client *http.Client, url string) ([]byte, http.Header, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, resp.Header, err
}

// load requests url from conns keep-alive connections for d and returns the
// throughput and latency percentiles.
func load(name, url string, conns int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var total atomic.Int64
	lat := make([][]time.Duration, conns)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			for time.Now().Before(deadline) {
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = append(lat[i], time.Since(start))
				total.Add(1)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(float64(len(all)-1)*p)]
	}
	return result{name: name, requests: total.Load(), rps: float64(total.Load()) / d.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}
