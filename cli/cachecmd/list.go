package cachecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/cache"
)

// state is an entry's freshness as the engine would judge it now.
func state(i cache.Info, now time.Time) string {
	switch {
	case !i.ExpiredAt.IsZero() && !i.ExpiredAt.Before(i.GeneratedAt):
		return "expired"
	case !i.RevalidatedAt.IsZero() && !i.RevalidatedAt.Before(i.GeneratedAt),
		!i.FreshUntil.IsZero() && !now.Before(i.FreshUntil):
		return "stale"
	}
	return "fresh"
}

// lister returns st as a cache.Lister, or says that its store cannot list.
func lister(st cache.Store, op string) (cache.Lister, error) {
	l, ok := st.(cache.Lister)
	if !ok {
		return nil, command.WithHint(fmt.Errorf("%s: this cache store (%T) cannot list or clear its entries", op, st),
			"gox cache works on stores that implement cache.Lister, such as the SQLite file")
	}
	return l, nil
}

// entryJSON is one entry in gox cache ls --json.
type entryJSON struct {
	Key         string    `json:"key"`
	Route       string    `json:"route"`
	Status      int       `json:"status"`
	State       string    `json:"state"`
	Build       string    `json:"build"`
	Bytes       int64     `json:"bytes"`
	Tags        []string  `json:"tags"`
	GeneratedAt time.Time `json:"generated_at"`
	FreshUntil  time.Time `json:"fresh_until,omitzero"`
	AccessedAt  time.Time `json:"accessed_at,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

func list(ctx context.Context, w io.Writer, st cache.Store, f cache.Filter, asJSON bool) error {
	l, err := lister(st, "list")
	if err != nil {
		return err
	}
	infos, err := l.List(ctx, f)
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	now := time.Now()
	if asJSON {
		out := make([]entryJSON, len(infos))
		for n, i := range infos {
			tags := i.Tags
			if tags == nil {
				tags = []string{}
			}
			out[n] = entryJSON{Key: i.Key, Route: i.Route, Status: i.Status, State: state(i, now), Build: i.BuildID,
				Bytes: i.Size, Tags: tags, GeneratedAt: i.GeneratedAt, FreshUntil: i.FreshUntil, AccessedAt: i.AccessedAt, LastError: i.LastError}
		}
		return json.NewEncoder(w).Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// BUILD tells apart the rows two builds sharing the cache keep of
	// one key (a rolling deploy).
	fmt.Fprintln(tw, "KEY\tROUTE\tBUILD\tSTATUS\tSTATE\tAGE\tSIZE\tTAGS\tLAST ERROR")
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", i.Key, i.Route, i.BuildID, i.Status, state(i, now),
			age(now.Sub(i.GeneratedAt)), bytesString(i.Size), strings.Join(i.Tags, ","), oneLine(i.LastError))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, plural(len(infos), "entry", "entries"))
	return nil
}

func show(ctx context.Context, w io.Writer, st cache.Store, typed string) error {
	key, err := canonicalKey(typed)
	if err != nil {
		return err
	}
	l, err := st.Get(ctx, key)
	if errors.Is(err, cache.ErrNotFound) {
		return command.WithHint(fmt.Errorf("no entry for %s", key), "it renders on its first request; list the cached keys with gox cache ls")
	}
	if err != nil {
		return fmt.Errorf("show %s: %w", key, err)
	}
	e := l.Entry
	now := time.Now()
	info := cache.Info{GeneratedAt: e.GeneratedAt, FreshUntil: e.FreshUntil, RevalidatedAt: l.RevalidatedAt, ExpiredAt: l.ExpiredAt}
	fresh := "until revalidated"
	if !e.FreshUntil.IsZero() {
		fresh = e.FreshUntil.Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range [][2]string{
		{"key", e.Key}, {"route", e.Route}, {"status", fmt.Sprint(e.Status)}, {"state", state(info, now)},
		{"generated", e.GeneratedAt.Format(time.RFC3339) + " (" + age(now.Sub(e.GeneratedAt)) + " ago)"},
		{"fresh until", fresh}, {"build", e.BuildID}, {"etag", e.ETag}, {"tags", strings.Join(e.Tags, ", ")},
		{"bytes", fmt.Sprintf("%d (gzip %d, brotli %d)", len(e.Body), len(e.Gzip), len(e.Brotli))},
		{"failures", fmt.Sprint(e.Failures)}, {"last error", oneLine(e.LastError)},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}
