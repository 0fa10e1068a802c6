package inspector

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/metrics"
)

// age says how long ago t was, to the second ("-" for a zero time).
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		return "in " + (-d).String()
	}
	return d.String()
}

// when prints t, or "-" for a zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05")
}

func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func ratio(r metrics.Route) string {
	if r.Writes == 0 {
		return "-"
	}
	return strconv.FormatFloat(r.ReadsPerWrite(), 'f', 1, 64)
}

func count(n uint64) string { return strconv.FormatUint(n, 10) }

func bytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " B"
}

func routeURL(route string) string { return Path + "/route?route=" + url.QueryEscape(route) }

func entryURL(key string) string { return Path + "/entry?key=" + url.QueryEscape(key) }

// stateClass is the CSS class of a state.
func stateClass(s string) string { return "state " + strings.ToLower(s) }

// chart is the SVG of History: reads and writes per interval as two
// polylines scaled to the busiest interval.
type chart struct {
	Width, Height int
	Reads, Writes string // polyline points
	Max           uint64
	From, To      string
	Empty         bool
}

func newChart(points []metrics.Point) chart {
	c := chart{Width: 600, Height: 120}
	if len(points) < 2 {
		c.Empty = true
		return c
	}
	for _, p := range points {
		c.Max = max(c.Max, p.Reads, p.Writes)
	}
	scale := float64(max(c.Max, 1))
	line := func(v func(metrics.Point) uint64) string {
		var b strings.Builder
		for i, p := range points {
			x := float64(i) * float64(c.Width) / float64(len(points)-1)
			y := float64(c.Height) - float64(v(p))*float64(c.Height-4)/scale - 2
			fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
		}
		return strings.TrimSpace(b.String())
	}
	c.Reads = line(func(p metrics.Point) uint64 { return p.Reads })
	c.Writes = line(func(p metrics.Point) uint64 { return p.Writes })
	c.From, c.To = points[0].At.Format("15:04:05"), points[len(points)-1].At.Format("15:04:05")
	return c
}

// pathOf is the path of a cache key.
func pathOf(key string) string {
	p, _, _ := strings.Cut(key, "?")
	return p
}
