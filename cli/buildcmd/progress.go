package buildcmd

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far prerendering is: a bar redrawn in place on a
// terminal, else (a log, a CI job, a pipe) a plain line at each tenth of
// the run, so no carriage return ends up in a file.
type progress struct {
	w        io.Writer
	terminal bool
	bar      *progressbar.ProgressBar
	shown    int // tenths already printed as lines
	done     int
	total    int
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, terminal: ok && term.IsTerminal(int(f.Fd()))}
}

// set records that done of total pages are rendered.
func (p *progress) set(done, total int) {
	p.done, p.total = done, total
	if p.terminal {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("prerendering"), progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100_000_000),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
		}
		_ = p.bar.Set(done)
		return
	}
	if tenth := done * 10 / total; tenth > p.shown && done < total {
		p.shown = tenth
		fmt.Fprintf(p.w, "prerendering: %d/%d pages\n", done, total)
	}
}

// finish ends the display: the bar's line, or the last plain line.
func (p *progress) finish() {
	switch {
	case p.bar != nil:
		if !p.bar.IsFinished() {
			fmt.Fprintln(p.w)
		}
	case !p.terminal && p.total > 0:
		fmt.Fprintf(p.w, "prerendering: %d/%d pages\n", p.done, p.total)
	}
}
