package server_test

import (
	"context"
	"html"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/page"
	"github.com/goxweb/gox/framework/server"
)

// notes is a page whose tags are known only while loading: Load reads a
// note and tags the page with the note's author.
type notes struct {
	mu      sync.Mutex
	text    map[string]string
	author  map[string]string
	renders atomic.Int64
}

func (n *notes) set(id, text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.text[id] = text
}

func (n *notes) load(c *gox.Ctx) (string, error) {
	n.renders.Add(1)
	n.mu.Lock()
	defer n.mu.Unlock()
	id := c.Param("id")
	c.Tag("author-" + n.author[id])
	return n.text[id], nil
}

func notePage(text string) templ.Component {
	return templ.Raw("<p>" + html.EscapeString(text) + "</p>")
}

// TestTagInLoad checks that c.Tag in Load stores the tag on the entry and
// that revalidating the tag regenerates that page and no other.
func TestTagInLoad(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	n := &notes{
		text:   map[string]string{"1": "first draft", "2": "other note"},
		author: map[string]string{"1": "ada", "2": "bob"},
	}
	routes := page.Routes{Pages: []page.Page{{
		Pattern: "/notes/{id}",
		Render:  page.PageWithLoad(n.load, notePage),
		Tags:    page.StaticTags("notes"),
	}}}
	app, err := server.New(routes, server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	h := &harness{url: srv.URL, app: app, store: st}

	for _, path := range []string{"/notes/1", "/notes/2"} {
		if r, _ := h.get(t, path); r.StatusCode != 200 || r.Header.Get("X-Gox-Cache") != "MISS" {
			t.Fatalf("GET %s: %d %s, want 200 MISS", path, r.StatusCode, r.Header.Get("X-Gox-Cache"))
		}
	}
	ctx := context.Background()
	got, err := st.Get(ctx, "/notes/1")
	if err != nil || got.Entry == nil {
		t.Fatalf("entry /notes/1: %v %v", got.Entry, err)
	}
	if want := []string{"author-ada", "notes"}; !slices.Equal(got.Entry.Tags, want) {
		t.Fatalf("entry tags = %q, want %q", got.Entry.Tags, want)
	}
	firstGen := got.Entry.GeneratedAt

	n.set("1", "final text")
	n.set("2", "edited too")
	inv, err := app.Revalidate(ctx, nil, []string{"author-ada"}, cache.Stale)
	if err != nil || inv.Entries != 1 {
		t.Fatalf("RevalidateTag(author-ada) = %+v, %v; want 1 entry", inv, err)
	}
	// A visit of the stale page starts its regeneration in the background.
	if r, _ := h.get(t, "/notes/1"); r.StatusCode != 200 {
		t.Fatalf("GET /notes/1 after revalidation: %d", r.StatusCode)
	}
	regenerated := false
	for deadline := time.Now().Add(10 * time.Second); !regenerated && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got, err = st.Get(ctx, "/notes/1")
		if err != nil {
			t.Fatal(err)
		}
		regenerated = got.Entry.GeneratedAt.After(firstGen)
	}
	if !regenerated {
		t.Fatal("/notes/1 was not regenerated after RevalidateTag of its Load tag")
	}
	if r, b := h.get(t, "/notes/1"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, "<p>final text</p>") {
		t.Fatalf("/notes/1: %s %q, want HIT of the regenerated page", r.Header.Get("X-Gox-Cache"), b)
	}
	// bob's note carries another tag: still the old render.
	if r, b := h.get(t, "/notes/2"); r.Header.Get("X-Gox-Cache") != "HIT" || !strings.Contains(b, "<p>other note</p>") {
		t.Fatalf("/notes/2: %s %q, want HIT of the first render", r.Header.Get("X-Gox-Cache"), b)
	}
	if got := n.renders.Load(); got != 3 {
		t.Fatalf("renders = %d, want 3: two first renders and one regeneration", got)
	}
}
