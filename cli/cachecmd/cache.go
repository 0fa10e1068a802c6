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
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/internal/wire"
)

// New returns gox cache and its subcommands.
func New() *cobra.Command {
	c := &cobra.Command{
		Use:   "cache",
		Short: "list, show, purge and count cached pages",
		Long:  "gox cache reads an app's page cache, also while the app is serving from it.",
		Example: "  gox cache ls --tag product-1\n  gox cache show /products/1\n" +
			"  gox cache purge --path /products/1\n  gox cache stats",
		// Cobra lets a command with subcommands take arguments; these
		// name a subcommand that does not exist.
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return command.Usagef("run 'gox cache -h' for the usage", "name a subcommand: ls, show, purge or stats")
			}
			return command.Usagef("subcommands are ls, show, purge and stats", "unknown subcommand %q", args[0])
		},
	}
	db := c.PersistentFlags().String("db", "", "the cache file (default: $"+wire.EnvCache+", else "+wire.DefaultCache+")")
	_ = c.MarkPersistentFlagFilename("db", "db")
	c.AddCommand(lsCommand(db), showCommand(db), purgeCommand(db), statsCommand(db))
	return c
}

// withStore opens the cache at db for the run of one subcommand.
func withStore(db *string, run func(ctx context.Context, w io.Writer, st *sqlite.Store) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, _ []string) error {
		st, err := open(*db)
		if err != nil {
			return err
		}
		defer st.Close()
		return run(c.Context(), c.OutOrStdout(), st)
	}
}

func lsCommand(db *string) *cobra.Command {
	var f cache.Filter
	var asJSON bool
	c := &cobra.Command{
		Use:     "ls",
		Short:   "list cached entries",
		Example: "  gox cache ls --route /products/{id} --limit 20",
		Args:    command.NoArgs,
	}
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st *sqlite.Store) error { return list(ctx, w, st, f, asJSON) })
	fs := c.Flags()
	fs.StringVar(&f.Tag, "tag", "", "only entries with this tag")
	fs.StringVar(&f.Route, "route", "", "only entries of this route, e.g. /products/{id}")
	fs.StringVar(&f.Prefix, "prefix", "", "only keys starting with this prefix")
	fs.IntVar(&f.Limit, "limit", 0, "at most this many entries (0: all)")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func showCommand(db *string) *cobra.Command {
	c := &cobra.Command{
		Use:     "show KEY",
		Short:   "show one entry: its state, build, tags, sizes and last error",
		Example: "  gox cache show /products/1",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return command.Usagef("gox cache show /products/1", "wrong number of arguments: want one KEY, got %d", len(args))
			}
			return nil
		},
	}
	c.RunE = func(c *cobra.Command, args []string) error {
		return withStore(db, func(ctx context.Context, w io.Writer, st *sqlite.Store) error { return show(ctx, w, st, args[0]) })(c, args)
	}
	return c
}

func purgeCommand(db *string) *cobra.Command {
	var paths, tags []string
	var all bool
	c := &cobra.Command{
		Use:     "purge",
		Short:   "delete entries by path or tag, or all of them",
		Example: "  gox cache purge --path /products/1\n  gox cache purge --tag product-1 --tag product-list\n  gox cache purge --all",
		Args:    command.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if !all && len(paths) == 0 && len(tags) == 0 {
				return command.Usagef("gox cache purge --all, --path /products/1 or --tag product-1", "purge what?")
			}
			return nil
		},
	}
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st *sqlite.Store) error {
		return purge(ctx, w, st, all, paths, tags)
	})
	fs := c.Flags()
	fs.StringArrayVar(&paths, "path", nil, "purge the entries at this path (repeatable)")
	fs.StringArrayVar(&tags, "tag", nil, "purge the entries carrying this tag (repeatable)")
	fs.BoolVar(&all, "all", false, "purge everything")
	return c
}

func statsCommand(db *string) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "stats",
		Short: "per-route hits, misses, regenerations and failures",
		Args:  command.NoArgs,
	}
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st *sqlite.Store) error { return stats(ctx, w, st, asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
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
	fmt.Fprintln(tw, "KEY\tROUTE\tSTATUS\tSTATE\tAGE\tSIZE\tTAGS\tLAST ERROR")
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", i.Key, i.Route, i.Status, state(i, now),
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
