// Package versioncmd implements gox version.
//
// Example:
//
//	gox version   # gox v0.1.0 (go1.26.8)
package versioncmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/goxweb/gox/cli/command"
)

// New returns gox version.
func New() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the gox version",
		Args:  command.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "gox %s (%s)\n", Version(), runtime.Version())
			return nil
		},
	}
}

// Version returns gox's module version, "(devel)" when built from a checkout.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
