// Package goxcli is the gox command line: it dispatches to one package per
// command and turns errors into exit codes.
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

	"github.com/goxweb/gox/cli/buildcmd"
	"github.com/goxweb/gox/cli/cachecmd"
	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/cli/devcmd"
	"github.com/goxweb/gox/cli/newcmd"
	"github.com/goxweb/gox/cli/revalidatecmd"
	"github.com/goxweb/gox/cli/routescmd"
	"github.com/goxweb/gox/cli/versioncmd"
)

// commands lists every subcommand, in the order help shows them.
var commands = []command.Command{
	newcmd.Command,
	devcmd.Command,
	buildcmd.Command,
	routescmd.Routes,
	routescmd.Generate,
	cachecmd.Command,
	revalidatecmd.Command,
	versioncmd.Command,
}

// Main runs the command named by args[0] and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return command.ExitUsage
		}
		return 0
	}
	var c *command.Command
	for i := range commands {
		if commands[i].Name == args[0] {
			c = &commands[i]
		}
	}
	if c == nil {
		fmt.Fprintf(stderr, "gox: unknown command %q\nhint: run 'gox help' for the list of commands\n", args[0])
		return command.ExitUsage
	}
	err := c.Run(ctx, command.Env{Args: args[1:], Stdin: stdin, Stdout: stdout, Stderr: stderr})
	if err == nil {
		return 0
	}
	var ue *command.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "gox %s: %s\n", c.Name, ue.Msg)
		if ue.Hint != "" {
			fmt.Fprintf(stderr, "hint: %s\n", ue.Hint)
		}
		return command.ExitUsage
	}
	fmt.Fprintf(stderr, "gox %s: %s\n", c.Name, err)
	var he *command.HintError
	if errors.As(err, &he) && he.Hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", he.Hint)
	}
	return 1
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("gox: a Go web framework with Incremental Static Regeneration\n\nUsage: gox <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-12s %s\n", c.Name, c.Summary)
	}
	b.WriteString("\nRun 'gox <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}
