package goxcli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goxweb/gox/cli/goxcli"
)

// TestExitCodes: a mistake in how gox was called exits 64 with a hint;
// a command that fails exits 1 with one line saying why.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	nowhere := t.TempDir() + "/nowhere"
	taken := filepath.Join(t.TempDir(), "taken")
	if err := os.MkdirAll(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(taken, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		want     int
		wantErr  string
		wantHint bool
	}{
		{[]string{"frobnicate"}, 64, `unknown command "frobnicate"`, true},
		{[]string{"version", "extra"}, 64, "unexpected argument", true},
		{[]string{"build", "--bogus"}, 64, "flag provided but not defined", true},
		{[]string{"dev", "--port", "abc"}, 64, `bad port "abc"`, true},
		{[]string{"dev", "--port", "0"}, 64, `bad port "0"`, true},
		{[]string{"dev", "--port", "65536"}, 64, `bad port "65536"`, true},
		{[]string{"dev", "extra"}, 64, "unexpected argument", true},
		{[]string{"new"}, 64, "want one app name, got 0", true},
		{[]string{"new", "a", "b"}, 64, "want one app name, got 2", true},
		{[]string{"new", "Bad.Name"}, 64, "bad app name", true},
		{[]string{"new", "x\x00y"}, 64, "bad app name", true},
		{[]string{"new", "shop", "--module", "a b"}, 64, "bad module path", true},
		{[]string{"new", "shop", "--module", "example.com/shop\nrequire evil v1"}, 64, "bad module path", true},
		{[]string{"routes", "--dir", nowhere}, 64, "no folder", true},
		{[]string{"revalidate"}, 64, "nothing to revalidate", true},
		{[]string{"revalidate", "--tag", "x", "--url", "ftp://x"}, 64, "bad --url", true},
		{[]string{"cache", "bogus"}, 64, `unknown subcommand "bogus"`, true},
		{[]string{"cache"}, 64, "name a subcommand", true},
		{[]string{"cache", "show"}, 64, "want one KEY, got 0", true},
		{[]string{"cache", "ls", "--limit", "many"}, 64, `invalid argument "many"`, true},
		{[]string{"build", "-o"}, 64, "flag needs an argument", true},
		{[]string{"biuld"}, 64, `unknown command "biuld"`, true},
		{[]string{"completion"}, 64, "name one shell", true},
		{[]string{"completion", "tcsh"}, 64, "name one shell", true},
		{[]string{"help", "build"}, 0, "", false},
		{[]string{"help", "biuld"}, 64, `unknown command "biuld"`, true},
		{[]string{"help", "cache", "bogus"}, 64, `unknown command "bogus"`, true},
		{nil, 64, "Usage: gox <command>", false},
		{[]string{"dev", "-h"}, 0, "", false},
		{[]string{"new", taken}, 1, "exists and is not empty", true},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		got := goxcli.Main(context.Background(), tt.args, nil, &out, &errb)
		if got != tt.want {
			t.Errorf("gox %q: exit %d, want %d (stderr %q)", tt.args, got, tt.want, errb.String())
			continue
		}
		if !strings.Contains(errb.String(), tt.wantErr) {
			t.Errorf("gox %q: stderr %q, want %q", tt.args, errb.String(), tt.wantErr)
		}
		if hint := strings.Contains(errb.String(), "\nhint: "); hint != tt.wantHint {
			t.Errorf("gox %q: hint %v, want %v: %q", tt.args, hint, tt.wantHint, errb.String())
		}
	}
}
