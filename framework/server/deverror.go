package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/page"
)

// In development (Config.Dev, which gox dev sets) a page whose render
// fails or panics answers with the development error page: the error's
// message, where in the app's routes/ it happened, and the stack, so the
// cause shows in the browser and not only in the terminal. Production
// never shows any of it: visitors get the nearest error page, the log
// gets the stack.

// devFailure is what the development error page shows.
type devFailure struct {
	Code    int
	Status  string
	Where   string // file:line of the app's code, relative to the app's folder when inside it
	Func    string // the function there
	Message string
	Stack   string
}

// maxDevMessage bounds the message the page shows (an error can carry
// anything an upstream answered).
const maxDevMessage = 16 << 10

// writeDevError answers code with the development error page for err.
func (a *App) writeDevError(w http.ResponseWriter, r *http.Request, code int, err error) {
	f := describeFailure(err)
	f.Code, f.Status = code, http.StatusText(code)
	var b bytes.Buffer
	if terr := devErrorPage(f).Render(r.Context(), &b); terr != nil {
		a.log.Error("development error page failed", "path", logPath(r.URL.Path), "err", terr)
		a.writeStatus(w, r, code)
		return
	}
	httpcache.WriteUncached(w, r, code, b.Bytes(), "ERROR")
}

// describeFailure finds in err what the page shows: a panic's value and
// stack, a Load's error and the Load it came from, or the message alone.
func describeFailure(err error) devFailure {
	var frames []runtime.Frame
	f := devFailure{Message: err.Error()}
	if pe, ok := errors.AsType[*panicError](err); ok {
		frames = panicFrames(pe.pcs)
	} else if le, ok := errors.AsType[*page.LoadError](err); ok {
		frames = append([]runtime.Frame{{Function: le.Func, File: le.File, Line: le.Line}}, framesOf(le.Stack)...)
	}
	if len(f.Message) > maxDevMessage {
		f.Message = f.Message[:maxDevMessage] + " …"
	}
	if at, ok := appFrame(frames); ok {
		f.Where, f.Func = fmt.Sprintf("%s:%d", shortPath(at.File), at.Line), shortFunc(at.Function)
	}
	var s strings.Builder
	for _, fr := range frames {
		fmt.Fprintf(&s, "%s\n\t%s:%d\n", fr.Function, fr.File, fr.Line)
	}
	f.Stack = s.String()
	return f
}

// framesOf returns the frames of the program counters pcs.
func framesOf(pcs []uintptr) []runtime.Frame {
	var out []runtime.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		fr, more := frames.Next()
		if fr.Function != "" {
			out = append(out, fr)
		}
		if !more {
			return out
		}
	}
}

// panicFrames returns the frames of a panic's stack from the call that
// panicked: past the recovering code, runtime.gopanic and the runtime's
// own frames (a nil map's runtime.mapassign, say).
func panicFrames(pcs []uintptr) []runtime.Frame {
	frames := framesOf(pcs)
	for i, fr := range frames {
		if fr.Function == "runtime.gopanic" {
			frames = frames[i+1:]
			break
		}
	}
	for len(frames) > 1 && strings.HasPrefix(frames[0].Function, "runtime.") {
		frames = frames[1:]
	}
	return frames
}

// appFrame returns the innermost frame in the app's routes/ folder, else
// the innermost frame.
func appFrame(frames []runtime.Frame) (runtime.Frame, bool) {
	for _, fr := range frames {
		if strings.Contains(filepath.ToSlash(fr.File), "/routes/") {
			return fr, true
		}
	}
	if len(frames) > 0 {
		return frames[0], true
	}
	return runtime.Frame{}, false
}

// shortPath returns file relative to the working directory (the app's
// folder under gox dev) when it lies inside it.
func shortPath(file string) string {
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(wd, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return filepath.ToSlash(rel)
}

// shortFunc returns a function's name without its package path
// (example.com/shop/routes/boom.Load is boom.Load).
func shortFunc(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}
