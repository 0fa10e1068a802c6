package goxcli

import (
	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
)

// shells are the shells gox writes completion scripts for.
var shells = []string{"bash", "zsh", "fish"}

// completionCommand returns gox completion, which prints the completion
// script of a shell. The scripts ask gox itself (its hidden __complete
// command) for commands, flags and folders, so they never go stale.
func completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print the shell completion script",
		Long: "gox completion prints the script that completes gox's commands and flags in bash, zsh or fish.\n" +
			"bash needs the bash-completion package.",
		Example: "  source <(gox completion bash)                        # this bash session\n" +
			"  gox completion bash > /etc/bash_completion.d/gox      # every bash session\n" +
			"  gox completion zsh > \"${fpath[1]}/_gox\"               # zsh, with compinit\n" +
			"  gox completion fish > ~/.config/fish/completions/gox.fish",
		ValidArgs: shells,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh" && args[0] != "fish") {
				return command.Usagef("gox completion bash, gox completion zsh or gox completion fish", "name one shell: bash, zsh or fish")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			root, w := c.Root(), c.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			default:
				return root.GenFishCompletion(w, true)
			}
		},
	}
}
