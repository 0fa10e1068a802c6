package route

import (
	"fmt"
	"strings"
)

// Router matches paths against patterns. Add all patterns before the first
// Match; Match is then safe for concurrent use.
type Router[T any] struct {
	root node[T]
}

type node[T any] struct {
	static   map[string]*node[T]
	param    *node[T]
	catchAll *node[T]
	name     string // parameter name of param/catchAll nodes
	pattern  string // set when a pattern ends here
	value    T
	has      bool
}

// NewRouter returns an empty router.
func NewRouter[T any]() *Router[T] { return &Router[T]{} }

// Add registers pattern with value. Two patterns that match the same paths
// ("/a/{x}" and "/a/{y}") are a conflict.
func (r *Router[T]) Add(pattern string, value T) error {
	p, err := Parse(pattern)
	if err != nil {
		return err
	}
	n := &r.root
	for _, s := range p.Segments {
		switch s.Kind {
		case Static:
			if n.static == nil {
				n.static = map[string]*node[T]{}
			}
			child, ok := n.static[s.Value]
			if !ok {
				child = &node[T]{}
				n.static[s.Value] = child
			}
			n = child
		case Param, CatchAll:
			slot := &n.param
			if s.Kind == CatchAll {
				slot = &n.catchAll
			}
			if *slot == nil {
				*slot = &node[T]{name: s.Value}
			} else if (*slot).name != s.Value {
				return fmt.Errorf("pattern %s conflicts with another route: parameter {%s} here, {%s} there; use one name", pattern, s.Value, (*slot).name)
			}
			n = *slot
		}
	}
	if n.has {
		return fmt.Errorf("pattern %s conflicts with %s: both match the same paths", pattern, n.pattern)
	}
	n.pattern, n.value, n.has = pattern, value, true
	return nil
}

// Match finds the pattern for a decoded, canonical path. Static segments
// win over parameters, parameters over catch-alls; a dead end backtracks.
func (r *Router[T]) Match(path string) (value T, params map[string]string, pattern string, ok bool) {
	if path == "" || path[0] != '/' {
		return value, nil, "", false
	}
	n := r.root.match(path[1:], &params)
	if n == nil {
		return value, nil, "", false
	}
	return n.value, params, n.pattern, true
}

// match matches rest (the path after a "/") below n, filling params only
// on the way back from a successful match.
func (n *node[T]) match(rest string, params *map[string]string) *node[T] {
	if rest == "" {
		if n.has {
			return n
		}
		return nil
	}
	seg, tail, more := strings.Cut(rest, "/")
	if seg == "" {
		return nil
	}
	next := func(child *node[T]) *node[T] {
		if !more {
			if child.has {
				return child
			}
			return nil
		}
		return child.match(tail, params)
	}
	if child, ok := n.static[seg]; ok {
		if m := next(child); m != nil {
			return m
		}
	}
	if n.param != nil {
		if m := next(n.param); m != nil {
			setParam(params, n.param.name, seg)
			return m
		}
	}
	if n.catchAll != nil && n.catchAll.has {
		setParam(params, n.catchAll.name, rest)
		return n.catchAll
	}
	return nil
}

func setParam(params *map[string]string, name, value string) {
	if *params == nil {
		*params = make(map[string]string, 2)
	}
	(*params)[name] = value
}
