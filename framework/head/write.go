package head

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"
)

// Write writes h as the tags that go inside <head>: title, description,
// canonical link, robots, Open Graph, Twitter, extra meta tags and JSON-LD.
// Every value is escaped, a canonical or image URL that is not http(s) or
// a path is left out, and JSON-LD is marshalled with <, > and & escaped, so
// no value can close its tag or the script.
func Write(w io.Writer, h Head) error {
	h.Canonical, h.Image = webURL(h.Canonical), webURL(h.Image)
	var b strings.Builder
	if h.Title != "" {
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(h.Title))
	}
	meta := func(attr, key, content string) {
		if content != "" {
			fmt.Fprintf(&b, `<meta %s="%s" content="%s">`, attr, html.EscapeString(key), html.EscapeString(content))
		}
	}
	meta("name", "description", h.Description)
	if h.Canonical != "" {
		fmt.Fprintf(&b, `<link rel="canonical" href="%s">`, html.EscapeString(h.Canonical))
	}
	if h.NoIndex {
		meta("name", "robots", "noindex")
	}
	if h.Title != "" || h.Description != "" || h.Image != "" {
		meta("property", "og:title", h.Title)
		meta("property", "og:description", h.Description)
		meta("property", "og:image", h.Image)
		meta("property", "og:url", h.Canonical)
		meta("property", "og:type", or(h.Type, "website"))
		card := "summary"
		if h.Image != "" {
			card = "summary_large_image"
		}
		meta("name", "twitter:card", card)
		meta("name", "twitter:title", h.Title)
		meta("name", "twitter:description", h.Description)
		meta("name", "twitter:image", h.Image)
	}
	for _, k := range slices.Sorted(maps.Keys(h.Meta)) {
		attr := "name"
		if strings.Contains(k, ":") && !strings.HasPrefix(k, "twitter:") {
			attr = "property" // og:locale, article:author: RDFa properties
		}
		meta(attr, k, h.Meta[k])
	}
	if h.JSONLD != nil {
		// json.Marshal escapes <, > and & (and U+2028/2029) in strings, so
		// "</script>" inside a value stays inside the script.
		ld, err := json.Marshal(h.JSONLD)
		if err != nil {
			return fmt.Errorf("head json-ld: %w", err)
		}
		fmt.Fprintf(&b, `<script type="application/ld+json">%s</script>`, ld)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// webURL returns u if it is an http(s) URL or a path, else "": a
// javascript: or data: URL has no place in a link preview.
func webURL(u string) string {
	l := strings.ToLower(u)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "/") {
		return u
	}
	return ""
}
