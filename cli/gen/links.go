package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/goxweb/gox/framework/route"
)

// LinksDir is the package of an app, beside routes/, that gox generates
// with one function per page route returning the page's path. Any route
// package can import it (it imports nothing of the app), so a renamed or
// removed page is a compile error at every link to it.
const LinksDir = "links"

// LinksFile is the generated file in LinksDir.
const LinksFile = "gox_links.go"

// WriteLinks writes dir/links/gox_links.go from the page folders under
// dir/routes, unless it already holds that (or removes it from an app
// without pages), and reports whether it changed it.
// It reads only folder names, so it runs before the route packages, which
// may import it, are type-checked.
func WriteLinks(dir string) (bool, error) {
	dirs, err := walk(dir)
	if err != nil {
		return false, err
	}
	var pages []*routeDir
	for _, d := range dirs {
		if d.files["page.templ"] {
			pages = append(pages, d)
		}
	}
	file := filepath.Join(dir, LinksDir, LinksFile)
	if len(pages) == 0 {
		// An app of endpoints alone: no package of nothing.
		if err := os.Remove(file); err == nil {
			return true, nil
		} else if !os.IsNotExist(err) {
			return false, fmt.Errorf("links: %w", err)
		}
		return false, nil
	}
	src, err := linksSource(pages)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Join(dir, LinksDir), 0o755); err != nil {
		return false, fmt.Errorf("links: %w", err)
	}
	return writeIfChanged(file, src)
}

// linksSource returns the gofmt'd source of package links for pages.
func linksSource(pages []*routeDir) ([]byte, error) {
	type link struct {
		name, pattern, args, body, dir string
	}
	var links []link
	byName := map[string]string{} // function name -> folder
	params, catchAll := false, false
	for _, d := range pages {
		p, err := route.Parse(d.pattern)
		if err != nil {
			return nil, fmt.Errorf("routes/%s: %w", d.rel, err)
		}
		name, args, body := linkFunc(p)
		if other, ok := byName[name]; ok {
			return nil, fmt.Errorf("routes/%s: its link function %s.%s is also routes/%s's\nhint: rename one of the folders", d.rel, LinksDir, name, other)
		}
		byName[name] = d.rel
		for _, s := range p.Segments {
			params = params || s.Kind != route.Static
			catchAll = catchAll || s.Kind == route.CatchAll
		}
		links = append(links, link{name, d.pattern, args, body, d.rel})
	}
	var b bytes.Buffer
	b.WriteString(Header)
	b.WriteString(`
// Package links returns the path of each page of the app: one function per
// page route, its parameters as arguments, each escaped as a path segment.
// Link through it, and a renamed or removed page is a compile error at every
// link to it. gox generate writes it from the folders under routes/.
package links
`)
	if params {
		b.WriteString("\nimport netURL \"net/url\"\n")
	}
	for _, l := range links {
		fmt.Fprintf(&b, "\n// %s is the path of the page at %s (%s).\n", l.name, l.pattern, path.Join("routes", l.dir))
		fmt.Fprintf(&b, "func %s(%s) string { return %s }\n", l.name, l.args, l.body)
	}
	if catchAll {
		b.WriteString(`
// escapeSegments escapes each segment of a catch-all and joins them.
func escapeSegments(segments []string) string {
	var out string
	for _, s := range segments {
		out += "/" + netURL.PathEscape(s)
	}
	return out
}
`)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format %s: %w\n%s", LinksFile, err, b.Bytes())
	}
	return src, nil
}

// linkFunc returns the name, parameter list and returned expression of the
// link function of p: "/products/{id}" is ProductsByID(id string), which
// returns "/products/" + netURL.PathEscape(id); "/" is Index().
func linkFunc(p route.Pattern) (name, args, body string) {
	if len(p.Segments) == 0 {
		return "Index", "", `"/"`
	}
	var n, lit strings.Builder
	var as, parts []string
	for _, s := range p.Segments {
		switch s.Kind {
		case route.Static:
			n.WriteString(pascal(s.Value))
			lit.WriteString("/" + s.Value)
			continue
		case route.Param:
			as = append(as, s.Value+" string")
			lit.WriteString("/")
			parts = append(parts, fmt.Sprintf("%q", lit.String()), "netURL.PathEscape("+s.Value+")")
		case route.CatchAll:
			as = append(as, s.Value+" ...string")
			parts = append(parts, fmt.Sprintf("%q", lit.String()), "escapeSegments("+s.Value+")")
		}
		lit.Reset()
		n.WriteString("By" + pascal(s.Value))
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%q", lit.String()))
	}
	if parts[0] == `""` {
		parts = parts[1:]
	}
	name = n.String()
	if name == "" || !unicode.IsLetter(rune(name[0])) {
		name = "Page" + name
	}
	return name, strings.Join(as, ", "), strings.Join(parts, " + ")
}

// initialisms are spelled in capitals in Go names.
var initialisms = map[string]string{
	"id": "ID", "url": "URL", "uri": "URI", "api": "API", "uuid": "UUID", "sku": "SKU",
	"html": "HTML", "json": "JSON", "xml": "XML", "rss": "RSS", "http": "HTTP", "faq": "FAQ",
}

// pascal turns a folder or parameter name ("about-us", "user_id", "v1.2")
// into a Go name part ("AboutUs", "UserID", "V12").
func pascal(s string) string {
	var b strings.Builder
	for w := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
