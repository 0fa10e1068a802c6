package buildcmd

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/goxweb/gox/cli/command"
)

// target is the platform a build compiles for, and how: go-sqlite3, the
// page cache, is C, so every build needs cgo and a C compiler for the
// target.
type target struct {
	goos, goarch     string
	hostOS, hostArch string
	// cc is the C compiler of a cross build ("" for a native one, which
	// uses the go command's own choice).
	cc string
}

// cross reports whether the binary cannot run here: the build then
// prerenders with a second, native build of the same code.
func (t target) cross() bool { return t.goos != t.hostOS || t.goarch != t.hostArch }

func (t target) String() string { return t.goos + "/" + t.goarch }

// env is the environment of the go build of the shipped binary.
func (t target) env() []string {
	env := []string{"CGO_ENABLED=1"}
	if t.cc != "" {
		env = append(env, "CC="+t.cc)
	}
	return env
}

// hostEnv is the environment of the native build that prerenders a cross
// build's pages: the host's platform and its own C compiler.
func (t target) hostEnv() []string {
	return []string{"GOOS=" + t.hostOS, "GOARCH=" + t.hostArch, "CGO_ENABLED=1", "CC="}
}

// debianTriplets name the cross compilers Debian packages as
// gcc-TRIPLET (binary TRIPLET-gcc), by GOARCH, for GOOS=linux.
var debianTriplets = map[string]string{
	"amd64":   "x86_64-linux-gnu",
	"arm64":   "aarch64-linux-gnu",
	"arm":     "arm-linux-gnueabihf",
	"386":     "i686-linux-gnu",
	"riscv64": "riscv64-linux-gnu",
	"ppc64le": "powerpc64le-linux-gnu",
	"s390x":   "s390x-linux-gnu",
}

// findTarget reads GOOS and GOARCH as the go command would and, for a
// cross build, finds its C compiler: $CC, else Debian's TRIPLET-gcc on
// PATH. It fails, before anything is compiled, where the build could only
// produce a binary without SQLite or one that cannot prerender.
func findTarget(ctx context.Context, dir string, getenv func(string) string) (target, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOOS", "GOARCH", "GOHOSTOS", "GOHOSTARCH")
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return target{}, fmt.Errorf("go env: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	f := strings.Fields(out.String())
	if len(f) != 4 {
		return target{}, fmt.Errorf("go env: unexpected output %q", out.String())
	}
	t := target{goos: f[0], goarch: f[1], hostOS: f[2], hostArch: f[3]}
	if getenv("CGO_ENABLED") == "0" {
		return target{}, command.WithHint(fmt.Errorf("CGO_ENABLED=0 builds an app without SQLite, its page cache"),
			"unset CGO_ENABLED: gox builds need cgo (see docs/deploy.md)")
	}
	if !t.cross() {
		return t, nil
	}
	if cc := getenv("CC"); cc != "" {
		if _, err := exec.LookPath(strings.Fields(cc)[0]); err != nil {
			return target{}, command.WithHint(fmt.Errorf("cross-compiling to %s: CC=%s is not a program on PATH", t, cc),
				"install the C cross compiler and name it in CC (see docs/deploy.md)")
		}
		t.cc = cc
		return t, nil
	}
	if triplet, ok := debianTriplets[t.goarch]; ok && t.goos == "linux" && t.hostOS == "linux" {
		if _, err := exec.LookPath(triplet + "-gcc"); err == nil {
			t.cc = triplet + "-gcc"
			return t, nil
		}
		return target{}, command.WithHint(fmt.Errorf("cross-compiling to %s needs a C compiler for it: SQLite, the page cache, is C", t),
			fmt.Sprintf("apt-get install gcc-%s, then run the same command again (or set CC); see docs/deploy.md", triplet))
	}
	return target{}, command.WithHint(fmt.Errorf("cross-compiling to %s needs a C compiler for it: SQLite, the page cache, is C", t),
		fmt.Sprintf("set CC to a C compiler for %s, or run gox build on a %s machine; see docs/deploy.md", t, t))
}

// staticTags and staticLDFlags link a binary that needs no shared library:
// Go's own DNS resolver and user lookup instead of glibc's (which a static
// binary could not load), SQLite without loadable extensions (dlopen), and
// the C parts linked with -static.
const (
	staticTags    = "osusergo,netgo,sqlite_omit_load_extension"
	staticLDFlags = "-linkmode external -extldflags -static"
)
