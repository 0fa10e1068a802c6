package goxcli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// dockerStage is one stage of a Dockerfile, as far as the app's needs go.
type dockerStage struct {
	name       string
	workdir    string
	env        []string
	run        []string
	copies     []dockerCopy
	user       string
	volumes    []string
	entrypoint []string
}

// dockerCopy is a COPY line.
type dockerCopy struct {
	from, chown string
	srcs        []string
	dst         string
}

// parseDockerfile reads the instructions of a Dockerfile: comments and
// line continuations as docker reads them, one instruction a line.
func parseDockerfile(path string) ([]*dockerStage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var stages []*dockerStage
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") || (text == "" && line == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			line += cont + " "
			continue
		}
		line += text
		instr, args, _ := strings.Cut(line, " ")
		line = ""
		args = strings.TrimSpace(args)
		if strings.ToUpper(instr) == "FROM" {
			st := &dockerStage{}
			if f := strings.Fields(args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			return nil, fmt.Errorf("%s before FROM", instr)
		}
		st := stages[len(stages)-1]
		switch strings.ToUpper(instr) {
		case "WORKDIR":
			st.workdir = args
		case "ENV":
			st.env = append(st.env, strings.Fields(args)...)
		case "RUN":
			st.run = append(st.run, args)
		case "USER":
			st.user = args
		case "VOLUME":
			st.volumes = append(st.volumes, strings.Fields(args)...)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(args), &st.entrypoint); err != nil {
				return nil, fmt.Errorf("ENTRYPOINT %s: want the exec form: %w", args, err)
			}
		case "COPY":
			var c dockerCopy
			var paths []string
			for _, a := range strings.Fields(args) {
				switch {
				case strings.HasPrefix(a, "--from="):
					c.from = strings.TrimPrefix(a, "--from=")
				case strings.HasPrefix(a, "--chown="):
					c.chown = strings.TrimPrefix(a, "--chown=")
				default:
					paths = append(paths, a)
				}
			}
			if len(paths) < 2 {
				return nil, fmt.Errorf("COPY %s: want sources and a destination", args)
			}
			c.srcs, c.dst = paths[:len(paths)-1], paths[len(paths)-1]
			st.copies = append(st.copies, c)
		case "EXPOSE", "LABEL", "ARG":
		default:
			return nil, fmt.Errorf("%s: an instruction this test does not run", instr)
		}
	}
	return stages, sc.Err()
}

// dockerfile DOCKERFILE CONTEXT ROOT does without docker what docker
// build does with the Dockerfile: it runs the build stage's RUN lines in
// CONTEXT (its WORKDIR, as COPY . . made it), with the stage's ENV, then
// lays out the last stage's file system in ROOT from its COPY --from
// lines (owners included). It writes ROOT.run, a script that starts the
// image as docker run --read-only -v VOLUME would: in a mount namespace,
// ROOT read-only, a writable copy of each VOLUME (seeded from the image,
// as docker seeds a new volume), as USER, in WORKDIR, with the image's ENV
// and then the script's KEY=VALUE arguments, running ENTRYPOINT.
func dockerfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: dockerfile DOCKERFILE CONTEXT ROOT")
	}
	stages, err := parseDockerfile(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(stages) < 2 {
		ts.Fatalf("want a multi-stage Dockerfile, got %d stage", len(stages))
	}
	context, root := ts.MkAbs(args[1]), ts.MkAbs(args[2])
	byName := map[string]*dockerStage{}
	for _, st := range stages[:len(stages)-1] {
		byName[st.name] = st
		for _, c := range st.copies {
			// The context is the stage's WORKDIR already.
			if c.from != "" || (c.dst != "." && c.dst != "./") {
				ts.Fatalf("build stage COPY %s %s: the test copies only the context into WORKDIR", c.srcs, c.dst)
			}
		}
		for _, r := range st.run {
			cmd := exec.Command("sh", "-c", r)
			cmd.Dir = context
			cmd.Env = append(os.Environ(), st.env...)
			out, err := cmd.CombinedOutput()
			ts.Logf("RUN %s\n%s", r, out)
			if err != nil {
				ts.Fatalf("RUN %s: %v", r, err)
			}
		}
	}
	final := stages[len(stages)-1]
	for _, c := range final.copies {
		from, ok := byName[c.from]
		if !ok || len(c.srcs) != 1 {
			ts.Fatalf("COPY --from=%s %s: want one source from a build stage", c.from, c.srcs)
		}
		src := c.srcs[0]
		if rel, ok := strings.CutPrefix(src, from.workdir+"/"); ok {
			src = filepath.Join(context, rel) // the stage's WORKDIR is the context
		}
		dst := filepath.Join(root, c.dst)
		if strings.HasSuffix(c.dst, "/") && !strings.HasSuffix(c.srcs[0], "/") {
			dst = filepath.Join(dst, filepath.Base(src))
		}
		ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
		cp := exec.Command("cp", "-a", "-T", src, dst)
		if out, err := cp.CombinedOutput(); err != nil {
			ts.Fatalf("COPY %s %s: %v: %s", c.srcs[0], c.dst, err, out)
		}
		if c.chown != "" {
			if out, err := exec.Command("chown", "-R", c.chown, dst).CombinedOutput(); err != nil {
				ts.Fatalf("COPY --chown=%s: %v: %s", c.chown, err, out)
			}
		}
	}
	if final.user == "" || final.user == "0" || strings.HasPrefix(final.user, "root") || strings.HasPrefix(final.user, "0:") {
		ts.Fatalf("the image runs as root (USER %q)", final.user)
	}
	uid, gid, _ := strings.Cut(final.user, ":")
	if gid == "" {
		gid = uid
	}
	for _, id := range []string{uid, gid} {
		if _, err := strconv.Atoi(id); err != nil {
			ts.Fatalf("USER %s: want numeric ids on an image without /etc/passwd", final.user)
		}
	}
	var script strings.Builder
	script.WriteString("#!/bin/sh\n# docker run --read-only, without docker\nset -e\n")
	fmt.Fprintf(&script, "root=%s\n", shellQuote(root))
	mounts := []string{`mount --bind "$root" "$root"`, `mount -o remount,bind,ro "$root"`}
	for i, v := range final.volumes {
		vol := fmt.Sprintf("%s.volume%d", root, i)
		fmt.Fprintf(&script, "rm -rf %s && cp -a %s %s\n", shellQuote(vol), shellQuote(filepath.Join(root, v)), shellQuote(vol))
		mounts = append(mounts, fmt.Sprintf("mount --bind %s \"$root\"%s", shellQuote(vol), shellQuote(v)))
	}
	entry := make([]string, len(final.entrypoint))
	for i, e := range final.entrypoint {
		entry[i] = shellQuote(e)
	}
	env := make([]string, len(final.env))
	for i, e := range final.env {
		env[i] = shellQuote(e)
	}
	inner := strings.Join(mounts, " && ") + fmt.Sprintf(` && exec env -i %s "$@" unshare --root="$root" --wd=%s --setuid=%s --setgid=%s %s`,
		strings.Join(env, " "), shellQuote(final.workdir), uid, gid, strings.Join(entry, " "))
	fmt.Fprintf(&script, "export root\nexec unshare --mount sh -c %s sh \"$@\"\n", shellQuote(inner))
	ts.Check(os.WriteFile(root+".run", []byte(script.String()), 0o644)) // run with sh: a parallel fork may hold a new executable open (text file busy)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
