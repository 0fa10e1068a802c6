package goxcli_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/goxweb/gox/cli/goxcli"
)

// commands returns every command of the tree below c, c included.
func commands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, commands(sub)...)
	}
	return out
}

// zeroDefault reports whether a flag's default goes unsaid in its help
// line: off, empty, nothing.
func zeroDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "false", "0", "[]":
		return true
	}
	return false
}

// TestHelpOfEveryCommand: -h, --help and gox help print the whole usage of
// every command and subcommand on stdout and exit 0. The flags come from
// the commands' own flag sets, so a flag added later is checked too.
func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
	all := commands(goxcli.NewRoot())
	if len(all) < 14 {
		t.Fatalf("found %d commands; the tree is not what this test walks", len(all))
	}
	for _, c := range all {
		path := strings.Fields(c.CommandPath())[1:]
		for _, form := range [][]string{append(path[:len(path):len(path)], "-h"), append(path[:len(path):len(path)], "--help"), append([]string{"help"}, path...)} {
			t.Run(strings.Join(form, " "), func(t *testing.T) {
				t.Parallel()
				var out, errb bytes.Buffer
				code := goxcli.Main(context.Background(), form, nil, &out, &errb)
				if code != 0 || errb.Len() > 0 {
					t.Fatalf("gox %s: exit %d, stderr %q; want 0 and nothing", strings.Join(form, " "), code, errb.String())
				}
				help := out.String()
				// Each run builds its own tree: look the command up in a
				// fresh one, as Main did, for the flags cobra adds (-h).
				fresh, _, err := goxcli.NewRoot().Find(path)
				if err != nil {
					t.Fatal(err)
				}
				fresh.InitDefaultHelpFlag()
				want := []string{"Usage: " + fresh.UseLine(), fresh.Short}
				if fresh.Long != "" {
					want[1] = fresh.Long
				}
				if fresh.Example != "" {
					want = append(want, fresh.Example)
				}
				for _, sub := range fresh.Commands() {
					row := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(sub.Name()) + ` +` + regexp.QuoteMeta(sub.Short) + `$`)
					if !row.MatchString(help) {
						t.Errorf("gox %s: help does not list %s", strings.Join(form, " "), sub.Name())
					}
				}
				check := func(f *pflag.Flag) {
					line := "--" + f.Name
					if f.Shorthand != "" {
						line = "-" + f.Shorthand + ", " + line
					}
					want = append(want, line, f.Usage)
					if !zeroDefault(f) {
						want = append(want, "(default ")
						want = append(want, f.DefValue)
					}
				}
				fresh.LocalFlags().VisitAll(check)
				fresh.InheritedFlags().VisitAll(check)
				for _, w := range want {
					if !strings.Contains(help, w) {
						t.Errorf("gox %s: help lacks %q:\n%s", strings.Join(form, " "), w, help)
					}
				}
			})
		}
	}
}
