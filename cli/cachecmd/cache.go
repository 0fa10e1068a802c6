// Package cachecmd implements gox cache: it reads and purges an app's page
// cache, also while the app is serving from it.
//
// Example:
//
//	gox cache ls --tag product-1
//	gox cache purge --path /products/1
//	gox cache stats
package cachecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/internal/wire"
)

// Command is gox cache.
var Command = command.Command{Name: "cache", Summary: "list, show, purge and count cached pages", Run: run}

const usage = `usage: gox cache <ls|show|purge|stats> [flags]

  ls     [--tag T] [--route R] [--prefix P] [--limit N] [--json]
  show   KEY
  purge  --all | --path P ... | --tag T ...
  stats  [--json]

Every subcommand takes --db PATH (default: $GOX_CACHE, else .gox/cache.db).`

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func run(ctx context.Context, env command.Env) error {
	if len(env.Args) == 0 {
		return command.Usagef("name a subcommand: ls, show, purge or stats", "%s", usage)
	}
	sub, args := env.Args[0], env.Args[1:]
	fs := flag.NewFlagSet("gox cache "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", "", "cache file")
	asJSON := fs.Bool("json", false, "print JSON")
	var f cache.Filter
	var paths, tags multi
	all := false
	switch sub {
	case "ls":
		fs.StringVar(&f.Tag, "tag", "", "only entries with this tag")
		fs.StringVar(&f.Route, "route", "", "only entries of this route")
		fs.StringVar(&f.Prefix, "prefix", "", "only keys with this prefix")
		fs.IntVar(&f.Limit, "limit", 0, "at most this many entries")
	case "purge":
		fs.Var(&paths, "path", "purge the entries at this path (repeatable)")
		fs.Var(&tags, "tag", "purge the entries carrying this tag (repeatable)")
		fs.BoolVar(&all, "all", false, "purge everything")
	case "show", "stats":
	default:
		return command.Usagef("subcommands are ls, show, purge and stats", "unknown subcommand %q", sub)
	}
	if err := fs.Parse(args); err != nil {
		return command.Usagef("run 'gox cache' for the flags", "%v", err)
	}
	if sub == "show" && fs.NArg() != 1 || sub != "show" && fs.NArg() != 0 {
		return command.Usagef("run 'gox cache' for the usage", "wrong number of arguments for %s", sub)
	}
	if sub == "purge" && !all && len(paths) == 0 && len(tags) == 0 {
		return command.Usagef("gox cache purge --all, --path /products/1 or --tag product-1", "purge what?")
	}
	st, err := open(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "ls":
		return list(ctx, env.Stdout, st, f, *asJSON)
	case "show":
		return show(ctx, env.Stdout, st, fs.Arg(0))
	case "purge":
		return purge(ctx, env.Stdout, st, all, paths, tags)
	default:
		return stats(ctx, env.Stdout, st, *asJSON)
	}
}

// open opens the cache file, refusing to create one that does not exist:
// a typo in --db must not look like an empty cache.
func open(path string) (*sqlite.Store, error) {
	if path == "" {
		path = os.Getenv(wire.EnvCache)
	}
	if path == "" {
		path = filepath.Join(".gox", "cache.db")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, command.WithHint(fmt.Errorf("no cache at %s", path),
			"run it in the app's folder, after gox build or a first request, or pass --db PATH")
	}
	st, err := sqlite.Open(path, sqlite.Options{})
	if errors.Is(err, sqlite.ErrUnwritable) {
		return nil, command.WithHint(fmt.Errorf("cache %s cannot be written, so an app on it serves uncached, storing nothing: %w", path, err),
			"make the folder and the file writable by the app's user, then restart the app")
	}
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	return st, nil
}

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

func list(ctx context.Context, w io.Writer, st cache.Store, f cache.Filter, asJSON bool) error {
	l, err := lister(st, "list")
	if err != nil {
		return err
	}
	infos, err := l.List(ctx, f)
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	if asJSON {
		return json.NewEncoder(w).Encode(infos)
	}
	now := time.Now()
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
	fmt.Fprintf(w, "%d entries\n", len(infos))
	return nil
}

func show(ctx context.Context, w io.Writer, st cache.Store, key string) error {
	l, err := st.Get(ctx, key)
	if err != nil {
		return command.WithHint(fmt.Errorf("show %s: %w", key, err), "keys are canonical paths, e.g. /products/1; list them with gox cache ls")
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

func purge(ctx context.Context, w io.Writer, st cache.Store, all bool, paths, tags []string) error {
	l, err := lister(st, "purge")
	if err != nil {
		return err
	}
	if all {
		if err := l.Clear(ctx); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		fmt.Fprintln(w, "purged every entry")
		return nil
	}
	keys := map[string]bool{}
	for _, p := range paths {
		infos, err := l.List(ctx, cache.Filter{Prefix: p})
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		for _, i := range infos {
			if cache.KeyPath(i.Key) == p {
				keys[i.Key] = true
			}
		}
	}
	for _, t := range tags {
		infos, err := l.List(ctx, cache.Filter{Tag: t})
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		for _, i := range infos {
			keys[i.Key] = true
		}
	}
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	if err := st.Delete(ctx, list...); err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	fmt.Fprintf(w, "purged %d entries\n", len(list))
	return nil
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
		return json.NewEncoder(w).Encode(map[string]any{"routes": counts, "total": total})
	}
	routes := make([]string, 0, len(counts))
	for r := range counts {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ROUTE\tHITS\tMISSES\tSTALE\tREGENERATIONS\tWRITES\tFAILURES\tREADS/WRITE\t")
	for _, r := range routes {
		c := counts[r]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", r, c.Hits, c.Misses, c.Stale, c.Regenerations, c.Writes, c.Failures, ratio(c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d entries, %s, %d tags\n", total.Entries, bytesString(total.Bytes), total.Tags)
	return nil
}

// ratio is reads per body write: a route that writes nearly as often as it
// is read revalidates too often.
func ratio(c cache.Counters) string {
	reads := c.Hits + c.Stale + c.Misses
	if c.Writes == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(reads)/float64(c.Writes))
}
