// Command loadtest measures gox's cache HIT path on loopback against a bare
// net/http handler that writes the same bytes, in the same run, and prints
// the figures as ratios. The load comes from wrk, a separate process (make
// bench installs it). make bench runs it.
//
// Example:
//
//	go run ./framework/internal/loadtest -path /products/1 -rounds 5
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/internal/testapp"
	"github.com/goxweb/gox/framework/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// result is one run of load against a target.
type result struct {
	rps      float64
	p50, p99 time.Duration
}

func run() error {
	duration := flag.Duration("duration", 2*time.Second, "how long to load each target in each round")
	rounds := flag.Int("rounds", 3, "rounds; each loads every target once, and the median round is shown")
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

	type target struct {
		name    string
		url     string
		renders func() int64 // nil for the baseline
		runs    []result
	}
	var targets []*target
	var body []byte
	var header http.Header
	for i, memory := range []int64{0, -1} {
		file, err := sqlite.Open(filepath.Join(dir, fmt.Sprintf("cache%d.db", i)), sqlite.Options{Logger: quiet})
		if err != nil {
			return err
		}
		st, err := tiered.New(file, tiered.Options{MemoryBytes: memory, Logger: quiet})
		if err != nil {
			file.Close()
			return err
		}
		defer st.Close()
		fix := testapp.New()
		app, err := server.New(fix.Routes(), server.Config{Store: st, Logger: quiet})
		if err != nil {
			return err
		}
		defer app.Close()
		url, stop, err := serve(app.Handler())
		if err != nil {
			return err
		}
		defer stop()
		// Warm with a stampede: every first request waits for one render.
		if body, header, err = stampede(url+*path, *first); err != nil {
			return err
		}
		if n := fix.Renders.Load(); n != 1 {
			return fmt.Errorf("%d renders for %d first requests, want 1", n, *first)
		}
		name := "gox HIT (memory tier)"
		if memory < 0 {
			name = "gox HIT (SQLite tier)"
		}
		targets = append(targets, &target{name: name, url: url + *path, renders: fix.Renders.Load})
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
	defer stop()
	targets = append([]*target{{name: "bare net/http", url: url + *path}}, targets...)

	// Rounds interleave the targets, so that a machine busy for a moment
	// slows one run of each rather than all runs of one.
	for range *rounds {
		for _, t := range targets {
			r, err := load(t.url, *conns, *duration)
			if err != nil {
				return err
			}
			t.runs = append(t.runs, r)
		}
	}
	median := func(runs []result) result {
		runs = slices.Clone(runs)
		slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(a.rps, b.rps) })
		return runs[len(runs)/2]
	}
	base := median(targets[0].runs)

	fmt.Printf("\nloopback load test: GET %s (%d bytes), %d first requests at once, then %d connections for %s per target, median of %d rounds, GOMAXPROCS %d\n\n",
		*path, len(body), *first, *conns, *duration, *rounds, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\treq/s\tx bare\tp50\tp99\tp99 x bare\trenders\t")
	for _, t := range targets {
		r := median(t.runs)
		renders := "-"
		if t.renders != nil {
			n := t.renders()
			if n != 1 {
				return fmt.Errorf("%s: %d renders after the load, want 1", t.name, n)
			}
			renders = strconv.FormatInt(n, 10)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%s\t%s\t%.2f\t%s\t\n", t.name, r.rps, r.rps/base.rps,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), float64(r.p99)/float64(base.p99), renders)
	}
	return tw.Flush()
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

// load runs wrk, a separate process, against url with conns keep-alive
// connections for d, and returns its throughput and latency percentiles.
// A client inside this process would share its scheduler and heap with the
// server and flatter the ratio.
func load(url string, conns int, d time.Duration) (result, error) {
	threads := min(runtime.NumCPU(), conns)
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(max(int(d.Seconds()), 1))+"s", "--latency", url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %w: %s", url, err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads wrk's report: the Requests/sec line and the 50% and 99%
// lines of its latency distribution. A run with errors or non-2xx answers
// is refused, so a broken target cannot pass for a fast one.
func parseWrk(out string) (result, error) {
	var r result
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return result{}, fmt.Errorf("wrk: %q: %w", line, err)
			}
			r.rps = v
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			v, err := time.ParseDuration(f[1])
			if err != nil {
				return result{}, fmt.Errorf("wrk: %q: %w", line, err)
			}
			if f[0] == "50%" {
				r.p50 = v
			} else {
				r.p99 = v
			}
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx"), strings.HasPrefix(strings.TrimSpace(line), "Socket errors"):
			return result{}, fmt.Errorf("wrk: %s", strings.TrimSpace(line))
		}
	}
	if r.rps == 0 || r.p99 == 0 {
		return result{}, fmt.Errorf("wrk printed no figures:\n%s", out)
	}
	return r, nil
}
