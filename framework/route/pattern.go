// Package route turns folders under routes/ into URL patterns and matches
// request paths against them. It is pure data: no HTTP framework, no
// templates.
//
// A folder is a path segment; a trailing "_" makes it a parameter and a
// trailing "__" a catch-all:
//
//	routes/products/id_   -> /products/{id}
//	routes/docs/path__    -> /docs/{path...}
//
// Example:
//
//	r := route.NewRouter[string]()
//	_ = r.Add("/products/{id}", "product")
//	v, params, pattern, ok := r.Match("/products/7") // "product", {id: 7}, "/products/{id}", true
package route

import (
	"errors"
	"fmt"
	"go/token"
	"strings"
)

// Kind is the kind of a pattern segment.
type Kind int

// Segment kinds, in matching precedence order.
const (
	Static   Kind = iota // a literal segment
	Param                // {name}: one segment
	CatchAll             // {name...}: the rest of the path, at least one segment
)

// Segment is one segment of a pattern.
type Segment struct {
	Kind Kind
	// Value is the literal for Static, the parameter name otherwise.
	Value string
}

// Pattern is a parsed URL pattern such as "/products/{id}".
type Pattern struct {
	Raw      string
	Segments []Segment
}

// Params returns the parameter names of p, in order.
func (p Pattern) Params() []string {
	var names []string
	for _, s := range p.Segments {
		if s.Kind != Static {
			names = append(names, s.Value)
		}
	}
	return names
}

// Parse parses a pattern: "/" or "/"-separated segments, each a literal,
// "{name}" or, last, "{name...}".
func Parse(pattern string) (Pattern, error) {
	if !strings.HasPrefix(pattern, "/") {
		return Pattern{}, fmt.Errorf("pattern %q: must start with /", pattern)
	}
	p := Pattern{Raw: pattern}
	if pattern == "/" {
		return p, nil
	}
	seen := map[string]bool{}
	parts := strings.Split(pattern[1:], "/")
	for i, part := range parts {
		if part == "" {
			return Pattern{}, fmt.Errorf("pattern %q: empty segment", pattern)
		}
		if !strings.HasPrefix(part, "{") {
			if strings.ContainsAny(part, "{}") {
				return Pattern{}, fmt.Errorf("pattern %q: braces inside segment %q", pattern, part)
			}
			p.Segments = append(p.Segments, Segment{Static, part})
			continue
		}
		if !strings.HasSuffix(part, "}") {
			return Pattern{}, fmt.Errorf("pattern %q: unclosed brace in %q", pattern, part)
		}
		name := part[1 : len(part)-1]
		kind := Param
		if n, ok := strings.CutSuffix(name, "..."); ok {
			name, kind = n, CatchAll
			if i != len(parts)-1 {
				return Pattern{}, fmt.Errorf("pattern %q: a catch-all must be the last segment", pattern)
			}
		}
		if !token.IsIdentifier(name) {
			return Pattern{}, fmt.Errorf("pattern %q: parameter name %q is not a Go identifier", pattern, name)
		}
		if seen[name] {
			return Pattern{}, fmt.Errorf("pattern %q: parameter %q appears twice", pattern, name)
		}
		seen[name] = true
		p.Segments = append(p.Segments, Segment{kind, name})
	}
	return p, nil
}

// ErrFolder reports a folder name that cannot be a route segment.
var ErrFolder = errors.New("bad route folder")

// FromDir returns the pattern of a folder under routes/, given as a
// slash-separated path relative to routes/ ("" is the root).
func FromDir(rel string) (string, error) {
	if rel == "" || rel == "." {
		return "/", nil
	}
	var b strings.Builder
	parts := strings.Split(rel, "/")
	seen := map[string]bool{}
	for i, name := range parts {
		seg, err := folderSegment(rel, name, i == len(parts)-1)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(seg, "{") {
			pname := strings.TrimSuffix(strings.Trim(seg, "{}"), "...")
			if seen[pname] {
				return "", fmt.Errorf("%w: %s: parameter %q appears twice; rename one folder", ErrFolder, rel, pname)
			}
			seen[pname] = true
		}
		b.WriteString("/")
		b.WriteString(seg)
	}
	return b.String(), nil
}

// folderSegment returns the pattern segment of one folder name.
func folderSegment(rel, name string, last bool) (string, error) {
	bad := func(hint string) error { return fmt.Errorf("%w: %s: %s", ErrFolder, rel, hint) }
	switch {
	case name == "":
		return "", bad("empty folder name")
	case strings.HasPrefix(name, "[...") && strings.HasSuffix(name, "]"):
		return "", bad(fmt.Sprintf("brackets are not valid in Go import paths; name a catch-all folder %s__", strings.Trim(name, "[.]")))
	case strings.HasPrefix(name, "[") || strings.HasSuffix(name, "]"):
		return "", bad(fmt.Sprintf("brackets are not valid in Go import paths; name the folder %s_", strings.Trim(name, "[]")))
	case strings.HasPrefix(name, "(") || strings.HasPrefix(name, "@"):
		return "", bad("route groups and parallel routes are not supported; every folder is a URL segment")
	case strings.HasPrefix(name, "_"):
		return "", bad(fmt.Sprintf("go test ./... skips folders starting with _; name it %s_", strings.Trim(name, "_")))
	case strings.HasPrefix(name, "."):
		return "", bad("the go tool ignores folders starting with .")
	case name == "internal" || name == "vendor":
		// go build refuses the route table's import of such a folder.
		return "", bad(fmt.Sprintf("go build does not let the route table import a folder named %s; rename it (a URL segment %q can come from a parameter folder with StaticParams)", name, name))
	}
	if pname, ok := strings.CutSuffix(name, "__"); ok {
		if !last {
			return "", bad("a catch-all folder (name__) must be the last folder")
		}
		if !token.IsIdentifier(pname) || strings.ToLower(pname) != pname {
			return "", bad(fmt.Sprintf("parameter %q must be a lowercase Go identifier", pname))
		}
		return "{" + pname + "...}", nil
	}
	if pname, ok := strings.CutSuffix(name, "_"); ok {
		if !token.IsIdentifier(pname) || strings.ToLower(pname) != pname {
			return "", bad(fmt.Sprintf("parameter %q must be a lowercase Go identifier", pname))
		}
		return "{" + pname + "}", nil
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return "", bad(fmt.Sprintf("%q: use lowercase letters, digits, '-', '.' and '_' (URLs are case-sensitive; gox keeps one spelling)", name))
		}
	}
	return name, nil
}
