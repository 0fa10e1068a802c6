package cachecmd

import (
	"net/url"
	"slices"
	"strings"

	"github.com/goxweb/gox/cli/command"
	"github.com/goxweb/gox/framework/route"
)

// canonicalKey turns a key as a person types it (products/1,
// /products/1/, /posts?page=2) into the key the cache stores it under:
// the canonical path, and its query sorted by name.
func canonicalKey(typed string) (string, error) {
	p, q, hasQuery := strings.Cut(typed, "?")
	path, err := canonicalPath(p)
	if err != nil {
		return "", err
	}
	if !hasQuery {
		return path, nil
	}
	query, err := url.ParseQuery(q)
	if err != nil {
		return "", command.Usagef("write a key as a path and its query, e.g. /posts?page=2", "bad key %q: %v", typed, err)
	}
	names := make([]string, 0, len(query))
	for n := range query {
		names = append(names, n)
	}
	slices.Sort(names)
	key, err := route.NewKey(path, query, names)
	if err != nil {
		return "", command.Usagef("write a key as a path and its query, e.g. /posts?page=2", "bad key %q: %v", typed, err)
	}
	return string(key), nil
}

// canonicalPath returns the path a page is cached under, from a path as
// typed: with or without its leading or trailing slash.
func canonicalPath(typed string) (string, error) {
	p := "/" + strings.TrimLeft(typed, "/")
	path, _, err := route.Canonical((&url.URL{Path: p}).EscapedPath())
	if err != nil {
		return "", command.Usagef("write a path as in a link, e.g. /products/1", "bad path %q: %v", typed, err)
	}
	return path, nil
}
