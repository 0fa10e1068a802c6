// Package versioncmd implements gox version.
//
// Example:
//
//	gox version   # gox v0.1.0 (go1.26.8)
package versioncmd

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/goxweb/gox/cli/command"
)

// Command is gox version.
var Command = command.Command{Name: "version", Summary: "print the gox version", Run: run}

// Version returns gox's module version, "(devel)" when built from a checkout.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func run(_ context.Context, env command.Env) error {
	if len(env.Args) > 0 {
		return command.Usagef("gox version takes no arguments", "unexpected argument %q", env.Args[0])
	}
	fmt.Fprintf(env.Stdout, "gox %s (%s)\n", Version(), runtime.Version())
	return nil
}
