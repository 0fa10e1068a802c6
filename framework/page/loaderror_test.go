package page_test

import (
	"context"
	"errors"
	"io"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/goxweb/gox/framework/page"
)

var errDown = errors.New("stock database is down")

// failingLoad is a page's Load that fails; its declaration is on the
// line loadLine names.
func failingLoad(*page.Ctx) (string, error) { return "", errDown }

const loadLine = 21

func textPage(s string) templ.Component { return templ.Raw(s) }

// TestLoadErrorLocatesLoad: an error a page's or a layout's Load returns
// comes back as a LoadError naming that Load's file and line, with the
// calls that led to it; its message and identity stay the error's own,
// and a deliberate answer (NotFound, a redirect) is not wrapped.
func TestLoadErrorLocatesLoad(t *testing.T) {
	t.Parallel()
	c := page.NewCtx(context.Background(), page.Params{}, url.Values{}, nil)
	_, err := page.PageWithLoad(failingLoad, textPage)(c)
	layoutErr := page.LayoutWithLoad(failingLoad, textPage)().Render(c, io.Discard)
	for name, err := range map[string]error{"page": err, "layout": layoutErr} {
		le, ok := errors.AsType[*page.LoadError](err)
		if !ok {
			t.Fatalf("%s: %T %v, want a *page.LoadError", name, err, err)
		}
		if !errors.Is(err, errDown) || !strings.HasSuffix(err.Error(), errDown.Error()) {
			t.Errorf("%s: %v does not keep the error Load returned", name, err)
		}
		if !strings.HasSuffix(le.Func, "page_test.failingLoad") || !strings.HasSuffix(le.File, "loaderror_test.go") || le.Line != loadLine {
			t.Errorf("%s: Load at %s %s:%d, want page_test.failingLoad at loaderror_test.go:%d", name, le.Func, le.File, le.Line, loadLine)
		}
		frames := runtime.CallersFrames(le.Stack)
		var funcs []string
		for {
			f, more := frames.Next()
			funcs = append(funcs, f.Function)
			if !more {
				break
			}
		}
		if !strings.Contains(strings.Join(funcs, "\n"), "TestLoadErrorLocatesLoad") {
			t.Errorf("%s: the stack does not lead back to the test:\n%s", name, strings.Join(funcs, "\n"))
		}
	}
	for _, deliberate := range []error{page.NotFound, page.Redirect("/elsewhere")} {
		_, err := page.PageWithLoad(func(*page.Ctx) (string, error) { return "", deliberate }, textPage)(c)
		if err != deliberate {
			t.Errorf("Load returning %v: got %v, want it as is", deliberate, err)
		}
	}
}
