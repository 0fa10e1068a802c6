package buildcmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/internal/wire"
)

// buildID digests every source of the app (Go, templ, assets, static
// files, go.mod and go.sum): an unchanged app keeps its build id, so a
// rebuild does not make every cached page stale.
func buildID(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || name == "bin" || name == "node_modules" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		switch {
		case strings.HasSuffix(name, ".go"), strings.HasSuffix(name, ".templ"),
			name == "go.mod", name == "go.sum", top == "assets", top == "static":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("build id: %w", err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("build id: %w", err)
		}
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// compile builds the app's main package into out, stamping the build id,
// with the tag that embeds the assets' bundle (gox_bundle.go), with env
// added to the go command's (the target and its C compiler), and linked
// statically with static.
func compile(ctx context.Context, dir, out, id string, env []string, static bool, stderr io.Writer) error {
	tags := gen.BundleTag
	ldflags := "-s -w -X " + wire.BuildIDSymbol + "=" + id
	if static {
		tags += "," + staticTags
		ldflags += " " + staticLDFlags
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		stderr.Write(buf.Bytes())
		return fmt.Errorf("go build: %w", err)
	}
	return nil
}
