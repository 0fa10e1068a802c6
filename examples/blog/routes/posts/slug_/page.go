// Package post is one post: /posts/{slug}.
package post

import (
	"context"
	"time"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/blog/content"
)

// Revalidate: posts are edited rarely; a minute is plenty.
const Revalidate = 60 * time.Second

// Tags: editing a post revalidates post-{slug}.
func Tags(p gox.Params) []string { return []string{"post-" + p.Get("slug"), "posts"} }

// StaticParams prerenders every post at build time.
func StaticParams(ctx context.Context) ([]gox.Params, error) {
	var out []gox.Params
	for _, s := range content.Slugs() {
		out = append(out, gox.Params{"slug": s})
	}
	return out, nil
}

// Load finds the post.
func Load(c *gox.Ctx) (content.PostData, error) {
	p, ok := content.Post(c.Param("slug"))
	if !ok {
		return content.PostData{}, gox.NotFound
	}
	return p, nil
}
