// Package content is the blog example's data: posts and docs pages kept in
// Go, standing in for a CMS or a database.
//
// Example:
//
//	post, ok := content.Post("hello-gox")
package content

import (
	"fmt"
	"time"
)

// PostData is one blog post.
type PostData struct {
	Slug, Title string
	Date        time.Time
	Body        []string // paragraphs
}

// DocPage is one page of the docs section.
type DocPage struct {
	Path, Title string
	Body        []string
}

// PerPage is how many posts a list page shows.
const PerPage = 5

var posts = func() []PostData {
	topics := []string{"hello-gox", "static-by-default", "stale-while-revalidate", "tags-not-timers",
		"one-binary", "no-node", "prerender-everything", "the-cache-key", "server-actions",
		"read-your-writes", "draft-mode", "shipping-it"}
	out := make([]PostData, len(topics))
	for i, slug := range topics {
		out[i] = PostData{
			Slug:  slug,
			Title: fmt.Sprintf("Post %d: %s", i+1, slug),
			Date:  time.Date(2026, 1, 1+i*7, 0, 0, 0, 0, time.UTC),
			Body: []string{
				"This post was prerendered by gox build and is served from the SQLite cache.",
				fmt.Sprintf("It stays fresh for a minute; after that the first visitor still gets it at once while gox renders post %d again in the background.", i+1),
			},
		}
	}
	return out
}()

var docs = []DocPage{
	{"getting-started", "Getting started", []string{"Run gox new, then gox dev."}},
	{"guides/caching", "Caching", []string{"Every page is cached unless it says otherwise."}},
	{"guides/routing/params", "Route parameters", []string{"A folder named id_ is the parameter {id}."}},
}

// Posts returns page n (from 1) of the posts, newest first, and the number
// of pages.
func Posts(n int) ([]PostData, int) {
	pages := (len(posts) + PerPage - 1) / PerPage
	if n < 1 || n > pages {
		return nil, pages
	}
	newest := make([]PostData, len(posts))
	for i, p := range posts {
		newest[len(posts)-1-i] = p
	}
	end := min(n*PerPage, len(newest))
	return newest[(n-1)*PerPage : end], pages
}

// Slugs returns every post's slug.
func Slugs() []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.Slug
	}
	return out
}

// Post returns the post with slug.
func Post(slug string) (PostData, bool) {
	for _, p := range posts {
		if p.Slug == slug {
			return p, true
		}
	}
	return PostData{}, false
}

// Doc returns the docs page at path ("guides/caching").
func Doc(path string) (DocPage, bool) {
	for _, d := range docs {
		if d.Path == path {
			return d, true
		}
	}
	return DocPage{}, false
}

// Docs returns every docs page.
func Docs() []DocPage { return docs }
