// Command gox scaffolds, develops, builds and operates gox apps.
package main

import (
	"context"
	"os"

	"github.com/goxweb/gox/cli/goxcli"
)

func main() {
	os.Exit(goxcli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
