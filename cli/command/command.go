// Package command holds what every gox subcommand shares: its environment,
// usage errors (exit 64), errors with a hint, and the flags and argument
// checks several commands take. Each command is a cobra.Command built
// afresh for every run, so its flags bind to that run's variables alone.
//
// Example:
//
//	func New() *cobra.Command {
//		return &cobra.Command{Use: "version", Short: "print the version", Args: command.NoArgs,
//			RunE: func(c *cobra.Command, args []string) error { ... }}
//	}
package command

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// ExitUsage is the exit code of a usage error (BSD sysexits EX_USAGE).
const ExitUsage = 64

// Env is what a command gets: its arguments and standard streams.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// EnvOf returns the streams cobra gives c, with args.
func EnvOf(c *cobra.Command, args []string) Env {
	return Env{Args: args, Stdin: c.InOrStdin(), Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr()}
}

// UsageError is a mistake in how a command was called; it exits 64.
type UsageError struct {
	Msg  string
	Hint string
}

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError with a hint.
func Usagef(hint, format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// HintError is an error a person reads: what failed, and what to do.
type HintError struct {
	Err  error
	Hint string
}

// Error returns the wrapped error's message.
func (e *HintError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *HintError) Unwrap() error { return e.Err }

// WithHint wraps err with a hint shown under its message.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// NoArgs refuses any argument, as a usage error.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("run '"+c.CommandPath()+" -h' for its usage", "unexpected argument %q", args[0])
	}
	return nil
}

// FlagError turns a flag parsing error into a usage error, worded as Go's
// flag package words an unknown flag.
func FlagError(c *cobra.Command, err error) error {
	msg := err.Error()
	for _, p := range []string{"unknown flag: ", "unknown shorthand flag: "} {
		if name, ok := strings.CutPrefix(msg, p); ok {
			msg = "flag provided but not defined: " + name
		}
	}
	return Usagef("run '"+c.CommandPath()+" -h' for its flags", "%s", msg)
}

// DirFlag adds --dir, the app folder, to c and returns where it lands.
// AppDir checks it once the flags are parsed.
func DirFlag(c *cobra.Command) *string {
	dir := c.Flags().String("dir", ".", "the app folder, the one with routes/ in it")
	_ = c.MarkFlagDirname("dir")
	return dir
}

// AppDir checks that dir, given with --dir, is a folder.
func AppDir(dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return Usagef("--dir names the app folder, the one with routes/ in it", "no folder %s", dir)
	}
	return nil
}
