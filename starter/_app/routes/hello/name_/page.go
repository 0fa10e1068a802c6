// Package hello is /hello/{name}: prerendered for the names StaticParams
// lists, rendered on first request for any other, with a form action.
package hello

import (
	"context"
	"strconv"
	"sync"
	"time"

	gox "github.com/goxweb/gox/framework"
)

// Revalidate: greetings stay fresh for an hour; waving revalidates them.
const Revalidate = time.Hour

// Tags: the wave action revalidates the greeting it changed.
func Tags(p gox.Params) []string { return []string{"hello-" + p.Get("name")} }

// StaticParams: gox build prerenders these.
func StaticParams(ctx context.Context) ([]gox.Params, error) {
	return []gox.Params{{"name": "gopher"}, {"name": "world"}}, nil
}

// Greeting is what the page shows.
type Greeting struct {
	Name  string
	Waves int
}

// waves stands in for a database.
var (
	mu    sync.Mutex
	waves = map[string]int{}
)

// Head titles the page with the name it greets.
func Head(g Greeting) gox.Head {
	return gox.Head{Title: "Hello, " + g.Name, Description: "A greeting for " + g.Name + "."}
}

// Load reads the greeting.
func Load(c *gox.Ctx) (Greeting, error) {
	mu.Lock()
	defer mu.Unlock()
	return Greeting{Name: c.Param("name"), Waves: waves[c.Param("name")]}, nil
}

// Actions are the page's forms.
var Actions = gox.Actions{"wave": Wave}

// Wave adds waves and revalidates the page.
func Wave(c *gox.Ctx) error {
	n, err := strconv.Atoi(c.FormValue("times"))
	if err != nil || n < 1 || n > 10 {
		return gox.Invalid(gox.FormErrors{"times": "Wave 1 to 10 times."})
	}
	mu.Lock()
	waves[c.Param("name")] += n
	mu.Unlock()
	return gox.RevalidateTag(c, "hello-"+c.Param("name"))
}
