package cachecmd

import (
	"context"
	"fmt"
	"io"

	"github.com/goxweb/gox/framework/cache"
)

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
	for _, typed := range paths {
		p, err := canonicalPath(typed)
		if err != nil {
			return err
		}
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
	fmt.Fprintf(w, "purged %s\n", plural(len(list), "entry", "entries"))
	return nil
}
