// Package posts is the post list: /posts?page=N.
package posts

import (
	"strconv"
	"time"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/blog/content"
)

// Revalidate: the list picks up new posts within a minute.
const Revalidate = time.Minute

// Tags: publishing a post revalidates "posts".
var Tags = []string{"posts"}

// Query: each page of the list is its own cache entry; other query
// parameters (utm_source and the like) share them.
var Query = []string{"page"}

// Load reads one page of posts; a page past the end is a 404.
func Load(c *gox.Ctx) (List, error) {
	n := 1
	if q := c.Query("page"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil {
			return List{}, gox.NotFound
		}
	}
	posts, pages := content.Posts(n)
	if posts == nil {
		return List{}, gox.NotFound
	}
	return List{Posts: posts, Page: n, Pages: pages}, nil
}
