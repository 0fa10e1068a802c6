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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/mod/modfile"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/redis"
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
	db := c.PersistentFlags().String("db", "", "the cache file, or a Redis URL (prefix= names the app, else its module's last element) (default: $"+wire.EnvCache+", else "+wire.DefaultCache+")")
	_ = c.MarkPersistentFlagFilename("db", "db")
	c.AddCommand(lsCommand(db), showCommand(db), purgeCommand(db), statsCommand(db))
	return c
}

// withStore opens the cache at db for the run of one subcommand.
func withStore(db *string, run func(ctx context.Context, w io.Writer, st cache.Store) error) func(*cobra.Command, []string) error {
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
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st cache.Store) error { return list(ctx, w, st, f, asJSON) })
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
		return withStore(db, func(ctx context.Context, w io.Writer, st cache.Store) error { return show(ctx, w, st, args[0]) })(c, args)
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
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st cache.Store) error {
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
	c.RunE = withStore(db, func(ctx context.Context, w io.Writer, st cache.Store) error { return stats(ctx, w, st, asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// open opens the cache file, refusing to create one that does not exist:
// a typo in --db must not look like an empty cache; or the Redis a
// redis:// URL names (see openRedis).
func open(path string) (cache.Store, error) {
	if path == "" {
		path = os.Getenv(wire.EnvCache)
	}
	if path == "" {
		path = filepath.Join(".gox", "cache.db")
	}
	if redis.IsURL(path) {
		return openRedis(path)
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

// openRedis opens the app's keys in the Redis url names: its prefix=, else
// the prefix the app in this folder takes (appName). Nothing is queued: a
// Redis that cannot be reached fails the command.
func openRedis(url string) (cache.Store, error) {
	client, prefix, err := redis.ParseURL(url, os.Getenv(wire.EnvRedisPassword))
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		if prefix, err = appName(); err != nil {
			return nil, err
		}
	}
	return redis.Open(redis.Options{Client: client, Prefix: prefix, Logger: slog.New(slog.DiscardHandler)})
}

// appName is the Redis prefix the app in the working folder takes when
// its URL names none: from its module path in go.mod (the app's main
// package sits at the module's root), else from the folder's name.
func appName() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if data, err := os.ReadFile(filepath.Join(wd, "go.mod")); err == nil {
		if mod := modfile.ModulePath(data); mod != "" {
			return wire.RedisPrefix(mod), nil
		}
	}
	return filepath.Base(wd), nil
}
