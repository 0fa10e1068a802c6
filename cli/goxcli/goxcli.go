// Package goxcli is the gox command line: it builds the command tree (one
// package per command, parsed, documented and completed by cobra) and
// turns errors into exit codes.
//
// Example:
//
//	code := goxcli.Main(ctx, []string{"version"}, os.Stdin, os.Stdout, os.Stderr)
package goxcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/buildcmd"
	"github.com/goxweb/gox/cli/cachecmd"
	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/devcmd"
	"github.com/goxweb/gox/cli/newcmd"
	"github.com/goxweb/gox/cli/revalidatecmd"
	"github.com/goxweb/gox/cli/routescmd"
	"github.com/goxweb/gox/cli/versioncmd"
)

// usageTemplate is every command's help: what it does, how to call it,
// examples, and every flag with its default.
const usageTemplate = `Usage: {{.UseLine}}
{{- if .HasAvailableSubCommands}}

Commands:
{{- range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{end}}
{{- if .HasExample}}

Examples:
{{.Example}}{{end}}
{{- if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}
{{- if .HasAvailableInheritedFlags}}

Flags of {{.Parent.CommandPath}}:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}
{{- if .HasAvailableSubCommands}}

Run '{{.CommandPath}} <command> -h' for a command's flags.{{end}}
`

func init() {
	// Commands are listed in the order a project meets them.
	cobra.EnableCommandSorting = false
}

// NewRoot returns the gox command tree, with fresh flags: each run gets
// its own.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "gox <command>",
		Short: "gox: a Go web framework with Incremental Static Regeneration",
		// The root runs only for a name that is not a command.
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			hint := "run 'gox help' for the list of commands"
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "did you mean '" + strings.Join(s, "' or '") + "'? run 'gox help' for the list of commands"
			}
			return command.Usagef(hint, "unknown command %q", args[0])
		},
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
		// gox completion is gox's own: bash, zsh and fish, worded as the
		// other commands are.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.AddCommand(
		newcmd.New(),
		devcmd.New(),
		buildcmd.New(),
		routescmd.Routes(),
		routescmd.Generate(),
		cachecmd.New(),
		revalidatecmd.New(),
		versioncmd.New(),
		completionCommand(),
	)
	root.SetHelpCommand(helpCommand(root))
	root.SetUsageTemplate(usageTemplate)
	root.SetFlagErrorFunc(command.FlagError)
	return root
}

// Main runs the command args name and returns the exit code: 0, 1 for a
// command that failed, 64 (command.ExitUsage) for a mistake in how it was
// called. Errors are one line, with a hint line where one helps.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRoot()
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if len(args) == 0 {
		// As go does: no command is a mistake, and the usage says what to
		// type instead, on stderr.
		root.SetOut(stderr)
		_ = root.Help()
		return command.ExitUsage
	}
	root.SetArgs(args)
	c, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	name := "gox"
	if c != nil {
		name = c.CommandPath()
	}
	var ue *command.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s\n", name, ue.Msg)
		if ue.Hint != "" {
			fmt.Fprintf(stderr, "hint: %s\n", ue.Hint)
		}
		return command.ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, err)
	var he *command.HintError
	if errors.As(err, &he) && he.Hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", he.Hint)
	}
	return 1
}

// helpCommand is cobra's help command, except that a name that is not a
// command is a usage error rather than the root's help and exit 0.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "print the help of any command",
		Long:  "gox help prints the usage of the named command, with every flag.",
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			c, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name()+"\t"+sub.Short)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				name := strings.Join(args, " ")
				if len(rest) > 0 {
					name = rest[0]
				}
				return command.Usagef("run 'gox help' for the list of commands", "unknown command %q", name)
			}
			target.InitDefaultHelpFlag() // so that its usage lists -h
			return target.Help()
		},
	}
}
