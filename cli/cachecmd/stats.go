package cachecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/cache"
)

// routeJSON is one route's counters in gox cache stats --json.
type routeJSON struct {
	Hits          int64 `json:"hits"`
	Stale         int64 `json:"stale"`
	Misses        int64 `json:"misses"`
	Regenerations int64 `json:"regenerations"`
	Failures      int64 `json:"failures"`
	Writes        int64 `json:"writes"`
	// HitRate is the share of requests served from the cache (hits and
	// stale serves), 0 to 1; FailureRate the share of renders that failed.
	HitRate     float64 `json:"hit_rate"`
	FailureRate float64 `json:"failure_rate"`
}

// totalJSON is the whole cache in gox cache stats --json.
type totalJSON struct {
	Entries int64 `json:"entries"`
	Bytes   int64 `json:"bytes"`
	Tags    int64 `json:"tags"`
}

func stats(ctx context.Context, w io.Writer, st cache.Store, asJSON bool) error {
	l, err := lister(st, "stats")
	if err != nil {
		return err
	}
	cs, ok := st.(cache.CounterStore)
	if !ok {
		return command.WithHint(fmt.Errorf("stats: this cache store (%T) keeps no per-route counters", st),
			"gox cache stats works on stores that implement cache.CounterStore, such as the SQLite file")
	}
	counts, err := cs.Counters(ctx)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	total, err := l.Stats(ctx)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	if asJSON {
		routes := make(map[string]routeJSON, len(counts))
		for r, c := range counts {
			routes[r] = routeJSON{Hits: c.Hits, Stale: c.Stale, Misses: c.Misses, Regenerations: c.Regenerations,
				Failures: c.Failures, Writes: c.Writes, HitRate: hitRate(c), FailureRate: failureRate(c)}
		}
		return json.NewEncoder(w).Encode(map[string]any{
			"routes": routes,
			"total":  totalJSON{Entries: total.Entries, Bytes: total.Bytes, Tags: total.Tags},
		})
	}
	routes := make([]string, 0, len(counts))
	for r := range counts {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ROUTE\tHITS\tSTALE\tMISSES\tHIT RATE\tREGENERATIONS\tFAILURES\tWRITES\tREADS/WRITE\t")
	for _, r := range routes {
		c := counts[r]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%s\t%d\t%s\t\n", r, c.Hits, c.Stale, c.Misses, percent(c.Hits+c.Stale, reads(c)),
			c.Regenerations, failures(c), c.Writes, ratio(c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s, %s, %s\n", plural(int(total.Entries), "entry", "entries"), bytesString(total.Bytes), plural(int(total.Tags), "tag", "tags"))
	return nil
}

func reads(c cache.Counters) int64 { return c.Hits + c.Stale + c.Misses }

func hitRate(c cache.Counters) float64 {
	if reads(c) == 0 {
		return 0
	}
	return float64(c.Hits+c.Stale) / float64(reads(c))
}

func failureRate(c cache.Counters) float64 {
	if c.Regenerations == 0 {
		return 0
	}
	return float64(c.Failures) / float64(c.Regenerations)
}

// failures is the failed renders and their share of all renders: a
// route whose regenerations mostly fail keeps serving old pages.
func failures(c cache.Counters) string {
	if c.Failures == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", c.Failures, percent(c.Failures, c.Regenerations))
}

func percent(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// ratio is reads per body write: a route that writes nearly as often as it
// is read revalidates too often.
func ratio(c cache.Counters) string {
	if c.Writes == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(reads(c))/float64(c.Writes))
}
