// Package head is a page's <head> metadata: the title, description,
// canonical URL, Open Graph and Twitter tags, robots and JSON-LD that a
// page and the layouts above it declare, merged and written as escaped
// HTML. The tags are part of the cached page.
//
// Example:
//
//	h := head.Merge(head.Head{TitleTemplate: "%s | Shop"}, head.Head{Title: "Gopher mug"})
//	_ = head.Write(w, h) // <title>Gopher mug | Shop</title>, og:title, twitter:title ...
package head

import (
	"fmt"
	"maps"
	"strings"
)

// Head is a page's metadata. A layout's Head gives defaults for the pages
// below it; a page's overrides them field by field.
type Head struct {
	// Title is the page's title; the nearest layout's TitleTemplate wraps it.
	Title string
	// TitleTemplate, in a layout, formats the titles of the pages below it:
	// "%s | Shop". A page without a Title gets the layout's Title as is.
	TitleTemplate string
	// Description is the meta description, also used for Open Graph and
	// Twitter.
	Description string
	// Canonical is the page's canonical URL. Empty: GOX_ORIGIN and the
	// page's canonical path (none without an origin). A path ("/a") is
	// resolved against GOX_ORIGIN.
	Canonical string
	// Image is the Open Graph and Twitter image URL; a path is resolved
	// against GOX_ORIGIN.
	Image string
	// Type is the Open Graph type (default "website").
	Type string
	// NoIndex asks search engines not to index the page (robots noindex)
	// and leaves it out of the sitemap.
	NoIndex bool
	// Meta are extra meta tags, name (or property, for names with a
	// colon such as "og:locale") to content.
	Meta map[string]string
	// JSONLD is marshalled into <script type="application/ld+json">.
	JSONLD any
}

// Merge merges heads, outermost layout first and the page last: each
// non-empty field overrides those before it, Meta entries merge, and the
// innermost TitleTemplate formats the title of a head that set one.
func Merge(heads ...Head) Head {
	var out Head
	titled := false // whether the page (after the template's layout) set the title
	for _, h := range heads {
		if h.TitleTemplate != "" {
			out.TitleTemplate, titled = h.TitleTemplate, false
			if h.Title != "" {
				// The layout's own title is its default, used as is.
				out.Title = h.Title
			}
		} else if h.Title != "" {
			out.Title, titled = h.Title, true
		}
		out.Description = or(h.Description, out.Description)
		out.Canonical = or(h.Canonical, out.Canonical)
		out.Image = or(h.Image, out.Image)
		out.Type = or(h.Type, out.Type)
		out.NoIndex = out.NoIndex || h.NoIndex
		if len(h.Meta) > 0 {
			if out.Meta == nil {
				out.Meta = map[string]string{}
			} else {
				out.Meta = maps.Clone(out.Meta)
			}
			maps.Copy(out.Meta, h.Meta)
		}
		if h.JSONLD != nil {
			out.JSONLD = h.JSONLD
		}
	}
	if titled && out.TitleTemplate != "" && strings.Contains(out.TitleTemplate, "%s") {
		out.Title = fmt.Sprintf(out.TitleTemplate, out.Title)
	}
	out.TitleTemplate = ""
	return out
}

// Resolve fills in what follows from the site: the canonical URL from
// origin and path when the head has none, and origin before a canonical or
// image URL given as a path. Without an origin a path stays as it is, and
// no canonical URL is made up.
func Resolve(h Head, origin, path string) Head {
	if origin == "" {
		return h
	}
	if h.Canonical == "" {
		h.Canonical = origin + path
	} else if strings.HasPrefix(h.Canonical, "/") && !strings.HasPrefix(h.Canonical, "//") {
		h.Canonical = origin + h.Canonical
	}
	if strings.HasPrefix(h.Image, "/") && !strings.HasPrefix(h.Image, "//") {
		h.Image = origin + h.Image
	}
	return h
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
