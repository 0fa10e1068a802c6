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
	"regexp"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/goxweb/gox/internal/wire"
)

// page is one line of the app's prerender output.
type page = wire.Prerendered

// prerender runs the built app's prerender mode, which renders every static
// page into the cache, and shows a progress bar while it does.
func prerender(ctx context.Context, bin, dir string, env []string, stderr io.Writer, bar bool) ([]page, error) {
	cmd := exec.CommandContext(ctx, bin, wire.PrerenderCommand)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("prerender: %w", err)
	}
	var pages []page
	var pb *progressbar.ProgressBar
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var p page
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			continue // a line the app printed itself
		}
		pages = append(pages, p)
		if bar && pb == nil {
			pb = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("prerendering"), progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100_000_000),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
		if pb != nil {
			_ = pb.Set(p.Done)
		}
	}
	if err := cmd.Wait(); err != nil {
		msg := strings.TrimSpace(lastLines(errBuf.String(), maxErrorLines))
		if msg == "" {
			msg = err.Error()
		}
		return nil, &prerenderError{msg: msg, page: pageFailed.MatchString(msg)}
	}
	return pages, nil
}

// maxErrorLines bounds the app's output kept in a prerender error: whole
// messages (esbuild's and Go's run over many lines), not every log line of
// a long run.
const maxErrorLines = 100

// pageFailed matches how the app reports a page it could not prerender
// ("prerender /hello/x: ..."), or the StaticParams that list them
// ("prerender: ..."), as opposed to failing before any page.
var pageFailed = regexp.MustCompile(`(?m)^prerender[ :]`)

// prerenderError is the app's own error output from a failed prerender.
type prerenderError struct {
	msg  string
	page bool // a page failed, not the app's start
}

func (e *prerenderError) Error() string { return "prerender: " + e.msg }

// prerenderHint says where to look: at the page named in the error, or at
// why the app stopped before rendering one.
func prerenderHint(err error) string {
	var pe *prerenderError
	if errors.As(err, &pe) && !pe.page {
		return "the app stopped before rendering any page; its error is above"
	}
	return "the page named above failed to render; gox build stops like next build does"
}

// lastLines returns the last n lines of s: the error, not the startup log.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
