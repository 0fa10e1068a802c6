package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/page"
)

// panicError is a panic caught while serving, turned into an error so it
// takes the path of any other failure: a 500 with the nearest error page.
// It logs as its value and the stack where it happened, so the one log
// line of the failure carries the stack.
type panicError struct {
	value any
	stack []byte
	pcs   []uintptr // the same stack, for the development error page
}

// maxPanicStack bounds the calls a panicError keeps for the development
// error page; the logged stack is whole.
const maxPanicStack = 64

// newPanicError records the panic p; call it in the deferred function
// that recovered p, whose stack is still the panic's.
func newPanicError(p any) *panicError {
	pcs := make([]uintptr, maxPanicStack)
	n := runtime.Callers(2, pcs)
	return &panicError{value: p, stack: debug.Stack(), pcs: pcs[:n]}
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// LogValue makes slog print the panic's value and stack rather than Error
// alone.
func (p *panicError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("panic", fmt.Sprint(p.value)), slog.String("stack", string(p.stack)))
}

// catch turns a panic in f into a *panicError. http.ErrAbortHandler is
// passed on: it asks net/http to drop the connection, and that is what
// must happen.
func catch[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = newPanicError(p)
		}
	}()
	return f()
}

// renderSafe is renderPage with a panic in the page, its Load or a layout
// returned as an error, so the caller answers with the page's error page.
func (a *App) renderSafe(c *page.Ctx, pr *pageRoute) (int, []byte, error) {
	type out struct {
		status int
		body   []byte
	}
	o, err := catch(func() (out, error) {
		status, body, err := a.renderPage(c, pr)
		return out{status, body}, err
	})
	return o.status, o.body, err
}

// runAction runs an action, a panic in it returned as an error.
func runAction(fn page.Action, c *page.Ctx) error {
	_, err := catch(func() (struct{}, error) { return struct{}{}, fn(c) })
	return err
}

// recoverPanics is the outermost middleware: a panic nothing nearer caught
// (a plain handler, an error page, gox itself) is logged once with its
// stack and answered 500, never with an empty reply. Once the response is
// committed a status can no longer be sent: the connection is aborted
// instead, so the client sees a broken response rather than a truncated
// one that looks complete. It also counts each response in the metrics,
// as answered, with its status and bytes.
func (a *App) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		defer a.measure(c)
		defer a.recovered(c)
		if err := next(c); err != nil {
			// Answered here, as echo would after the middleware returns,
			// so that the status counted is the one sent.
			c.Error(err)
		}
		return nil
	}
}

// recovered is recoverPanics' deferred recovery.
func (a *App) recovered(c echo.Context) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	a.answerPanic(c.Response(), c.Request(), c.Response().Committed, newPanicError(p))
}

// answerPanic logs a panic nothing nearer caught once, with its stack, and
// answers 500 (in development with the development error page), or, once
// the response is committed, aborts the connection.
func (a *App) answerPanic(w http.ResponseWriter, r *http.Request, committed bool, pe *panicError) {
	a.log.Error("handler panicked", "method", logMethod(r.Method), "path", logPath(r.URL.Path), "panic", fmt.Sprint(pe.value),
		"committed", committed, "stack", string(pe.stack))
	if committed {
		panic(http.ErrAbortHandler)
	}
	if a.cfg.Dev {
		a.writeDevError(w, r, http.StatusInternalServerError, pe)
		return
	}
	a.writeStatus(w, r, http.StatusInternalServerError)
}

// serveRecovering serves r with h, the app wrapped in the app's own
// middleware, where a panic reaches no echo handler: it is answered as
// recoverPanics answers one, never with a dropped connection.
func (a *App) serveRecovering(h http.Handler, w http.ResponseWriter, r *http.Request) {
	tw := &trackWriter{ResponseWriter: w}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		a.answerPanic(w, r, tw.wrote, newPanicError(p))
	}()
	h.ServeHTTP(tw, r)
}

// trackWriter notes whether a response has started. It passes Flush,
// Hijack and ReadFrom on, and unwraps for http.ResponseController.
type trackWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackWriter) WriteHeader(code int) {
	if code >= 200 {
		t.wrote = true
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

func (t *trackWriter) ReadFrom(r io.Reader) (int64, error) {
	t.wrote = true
	return io.Copy(t.ResponseWriter, r)
}

func (t *trackWriter) Flush() {
	t.wrote = true
	_ = http.NewResponseController(t.ResponseWriter).Flush()
}

func (t *trackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	t.wrote = true
	return http.NewResponseController(t.ResponseWriter).Hijack()
}

func (t *trackWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
