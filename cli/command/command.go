// Package command holds what every gox subcommand shares: its environment,
// usage errors (exit 64) and errors with a hint.
//
// Example:
//
//	var Command = command.Command{Name: "version", Summary: "print the version",
//		Run: func(ctx context.Context, env command.Env) error { ... }}
package command

import (
	"context"
	"fmt"
	"io"
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

// Command is one gox subcommand.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env Env) error
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
