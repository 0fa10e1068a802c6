// Command loadtest measures gox's cache HIT path on loopback against a bare
// net/http handler that writes the same bytes, in the same run, and prints
// the figures as ratios. make bench runs it.
//
// -stores picks the stores behind the app, each with its memory tier and
// with the tier off: sqlite (a file), redis (a redis-server it starts on a
// unix socket). -load wrk loads each target with wrk, a process of its
// own, instead of this program's Go client.
//
// Example:
//
//	go run ./framework/internal/loadtest -path /products/1 -rounds 5
//	go run ./framework/internal/loadtest -stores sqlite,redis -load wrk
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
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
	"github.com/goxweb/gox/framework/cache/redis/redistest"
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
	stores := flag.String("stores", "sqlite", "stores to measure, comma-separated: sqlite, redis")
	loader := flag.String("load", "go", "load generator: go (in this process) or wrk (a process of its own)")
	flag.Parse()
	loadFn := load
	switch *loader {
	case "go":
	case "wrk":
		if _, err := exec.LookPath("wrk"); err != nil {
			return fmt.Errorf("wrk not found\nhint: apt-get install wrk")
		}
		loadFn = loadWrk
	default:
		return fmt.Errorf("-load %q: want go or wrk", *loader)
	}

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
	var combos []struct {
		store  string
		memory int64
	}
	for _, name := range strings.Split(*stores, ",") {
		if name != "sqlite" && name != "redis" {
			return fmt.Errorf("-stores: unknown store %q: want sqlite or redis", name)
		}
		for _, memory := range []int64{0, -1} {
			combos = append(combos, struct {
				store  string
				memory int64
			}{name, memory})
		}
	}
	var srv *redistest.Server
	for i, c := range combos {
		var inner cache.Store
		switch c.store {
		case "sqlite":
			inner, err = sqlite.Open(filepath.Join(dir, fmt.Sprintf("cache%d.db", i)), sqlite.Options{Logger: quiet})
		case "redis":
			if srv == nil {
				if srv, err = redistest.Run(redistest.Config{}); err != nil {
					return err
				}
				defer srv.Stop()
			}
			inner, err = redis.Open(redis.Options{Client: srv.Options(), Prefix: fmt.Sprintf("load%d", i), Logger: quiet})
		}
		if err != nil {
			return err
		}
		st, err := tiered.New(inner, tiered.Options{MemoryBytes: c.memory, Logger: quiet})
		if err != nil {
			inner.Close()
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
		name := fmt.Sprintf("gox HIT, %s, memory tier", c.store)
		if c.memory < 0 {
			name = fmt.Sprintf("gox HIT, %s, tier off", c.store)
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
			r, err := loadFn(t.url, *conns, *duration)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
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

	fmt.Printf("\nloopback load test: GET %s (%d bytes), %d first requests at once, then %d connections for %s per target (load from %s), median of %d rounds, GOMAXPROCS %d\n\n",
		*path, len(body), *first, *conns, *duration, *loader, *rounds, runtime.GOMAXPROCS(0))
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

// wrkLatency matches a line of wrk's latency distribution, e.g. "99%  1.20ms".
var wrkLatency = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)

// loadWrk loads url with wrk (two threads, conns connections, for d) and
// reads its throughput and latency percentiles.
func loadWrk(url string, conns int, d time.Duration) (result, error) {
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(max(1, int(d.Seconds())))+"s", "--latency", url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	var r result
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Requests/sec:"); ok {
			r.rps, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
		if strings.Contains(line, "Non-2xx or 3xx responses") {
			return result{}, fmt.Errorf("wrk saw errors: %s", out)
		}
	}
	for _, m := range wrkLatency.FindAllStringSubmatch(string(out), -1) {
		d, err := time.ParseDuration(m[2] + m[3])
		if err != nil {
			return result{}, err
		}
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.rps == 0 {
		return result{}, fmt.Errorf("no Requests/sec in wrk's output: %s", out)
	}
	return r, nil
}

// load requests url from conns keep-alive connections for d and returns the
// throughput and latency percentiles.
func load(url string, conns int, d time.Duration) (result, error) {
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
	return result{rps: float64(total.Load()) / d.Seconds(), p50: pct(0.50), p99: pct(0.99)}, nil
}
