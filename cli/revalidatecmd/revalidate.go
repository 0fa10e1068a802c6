// Package revalidatecmd implements gox revalidate: it asks a running app to
// revalidate paths and tags through POST /_gox/revalidate.
//
// Example:
//
//	GOX_REVALIDATE_TOKEN=... gox revalidate --url http://127.0.0.1:3000 --tag product-1 --path /products/1
package revalidatecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/internal/wire"
)

// New returns gox revalidate.
func New() *cobra.Command {
	var o options
	c := &cobra.Command{
		Use:   "revalidate",
		Short: "revalidate paths and tags of a running app",
		Long: "gox revalidate asks a running app to revalidate paths and tags through POST " + wire.RevalidatePath + ",\n" +
			"with the token in $" + wire.EnvRevalidateToken + ".",
		Example: "  " + wire.EnvRevalidateToken + "=... gox revalidate --url http://127.0.0.1:3000 --tag product-1 --path /products/1",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return command.Usagef("paths and tags go in --path and --tag", "unexpected argument %q", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return run(c.Context(), command.EnvOf(c, nil), o) },
	}
	f := c.Flags()
	f.StringVar(&o.base, "url", "http://127.0.0.1:3000", "the app's base URL")
	f.BoolVar(&o.expire, "expire", false, "make the next request wait for a fresh render instead of serving stale")
	f.StringArrayVar(&o.paths, "path", nil, "a path to revalidate (repeatable)")
	f.StringArrayVar(&o.tags, "tag", nil, "a tag to revalidate (repeatable)")
	return c
}

// options are gox revalidate's flags.
type options struct {
	base        string
	expire      bool
	paths, tags []string
}

func run(ctx context.Context, env command.Env, o options) error {
	if len(o.paths)+len(o.tags) == 0 {
		return command.Usagef("gox revalidate --tag product-1 --path /products/1", "nothing to revalidate")
	}
	u, err := url.Parse(o.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return command.Usagef("--url takes the app's base URL, e.g. http://127.0.0.1:3000", "bad --url %q", o.base)
	}
	token := os.Getenv(wire.EnvRevalidateToken)
	if token == "" {
		return command.WithHint(fmt.Errorf("%s is not set", wire.EnvRevalidateToken), "set it to the token the app was started with")
	}
	mode := wire.ModeStale
	if o.expire {
		mode = wire.ModeExpire
	}
	payload, _ := json.Marshal(wire.RevalidateRequest{Paths: o.paths, Tags: o.tags, Mode: mode})
	endpoint := strings.TrimSuffix(u.String(), "/") + wire.RevalidatePath
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return command.WithHint(err, "is the app running at "+u.String()+"?")
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return command.WithHint(fmt.Errorf("the app refused the token (401)"), wire.EnvRevalidateToken+" must match the app's")
	case http.StatusNotFound:
		return command.WithHint(fmt.Errorf("%s has no revalidation endpoint (404)", u.Host), "start the app with "+wire.EnvRevalidateToken+" set")
	default:
		msg := strings.TrimSpace(string(answer))
		var refusal wire.RevalidateRefusal
		if json.Unmarshal(answer, &refusal) == nil && refusal.Error != "" {
			msg = refusal.Error
		}
		return fmt.Errorf("the app answered %s: %s", resp.Status, msg)
	}
	var got wire.RevalidateResponse
	if err := json.Unmarshal(answer, &got); err != nil {
		return fmt.Errorf("bad answer from the app: %w", err)
	}
	fmt.Fprintf(env.Stdout, "revalidated %s and %s (%s): %s\n",
		count(got.Paths, "path", "paths"), count(got.Tags, "tag", "tags"), got.Mode, count(got.Entries, "cached entry", "cached entries"))
	for _, p := range got.Unmatched {
		fmt.Fprintf(env.Stdout, "no route serves %s: not revalidated\n", p)
	}
	return nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
