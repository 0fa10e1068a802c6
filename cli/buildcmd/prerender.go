package buildcmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/goxweb/gox/internal/wire"
)

// page is one line of the app's prerender output.
type page = wire.Prerendered

// prerender runs the built app's prerender mode, which renders every static
// page into the cache, and shows its progress on stderr. With keepGoing
// the app renders every page it can and the failures come back in failed;
// without, the first failure is the error.
func prerender(ctx context.Context, bin, dir string, env []string, stderr io.Writer, keepGoing bool) (pages, failed []page, err error) {
	args := []string{wire.PrerenderCommand}
	if keepGoing {
		args = append(args, wire.KeepGoingFlag)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("prerender: %w", err)
	}
	prog := newProgress(stderr)
	readErr := eachLine(out, wire.MaxPrerenderLine, func(line []byte) {
		var p page
		if err := json.Unmarshal(line, &p); err != nil || (p.Path == "" && p.Error == "") {
			return // a line the app printed itself
		}
		if p.Error != "" {
			failed = append(failed, p)
		} else {
			pages = append(pages, p)
		}
		if p.Total > 0 {
			prog.set(p.Done, p.Total)
		}
	})
	prog.finish()
	if err := cmd.Wait(); err != nil {
		if len(failed) > 0 {
			return nil, nil, &pageError{page: failed[0]}
		}
		msg := strings.TrimSpace(lastLines(errBuf.String(), maxErrorLines))
		if msg == "" {
			msg = err.Error()
		}
		return nil, nil, &startError{msg: msg}
	}
	if readErr != nil {
		return nil, nil, fmt.Errorf("prerender: reading the app's output: %w", readErr)
	}
	return pages, failed, nil
}

// eachLine calls fn with each line of r up to max bytes long, and reads r
// to its end. A longer line is skipped whole, not the lines after it: the
// app's own prerender lines are shorter, so it printed that one itself.
func eachLine(r io.Reader, max int, fn func(line []byte)) error {
	br := bufio.NewReaderSize(r, max)
	skipping := false
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			skipping = true
			continue
		case skipping:
			skipping = false // the end of a long line
		case len(line) > 0:
			fn(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// maxErrorLines bounds the app's output kept in a prerender error: whole
// messages (esbuild's and Go's run over many lines), not every log line of
// a long run.
const maxErrorLines = 100

// pageError is a page that failed to render, or a route whose
// StaticParams failed.
type pageError struct{ page page }

func (e *pageError) Error() string { return "prerender " + where(e.page) + ": " + e.page.Error }

// where names a failed page: its path, or its route when StaticParams
// failed before any path was known.
func where(p page) string {
	if p.Path == "" {
		return p.Route
	}
	return p.Path
}

// startError is the app's own error output when it failed before
// rendering any page.
type startError struct{ msg string }

func (e *startError) Error() string { return "prerender: " + e.msg }

// prerenderHint says what to do: fix the page named, or see why the app
// stopped before rendering one.
func prerenderHint(err error) string {
	if _, ok := err.(*pageError); ok {
		return "fix the page, or build with --keep-going to ship without it: it then renders on its first request"
	}
	return "the app stopped before rendering any page; fix the error above"
}

// lastLines returns the last n lines of s: the error, not the startup log.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
