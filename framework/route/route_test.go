package route_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/httperr"
)

func TestFromDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir, want, wantErr string
	}{
		{"", "/", ""},
		{"products", "/products", ""},
		{"products/id_", "/products/{id}", ""},
		{"docs/path__", "/docs/{path...}", ""},
		{"api/revalidate", "/api/revalidate", ""},
		{"blog/2024-archive", "/blog/2024-archive", ""},
		{"about_us", "/about_us", ""},
		{"v1.2", "/v1.2", ""},
		{"products/[id]", "", "brackets are not valid in Go import paths; name the folder id_"},
		{"docs/[...slug]", "", "name a catch-all folder slug__"},
		{"products/_id", "", "go test ./... skips folders starting with _; name it id_"},
		{"(shop)/cart", "", "route groups"},
		{"internal", "", "go build does not let the route table import a folder named internal; rename it"},
		{"shop/vendor/id_", "", "go build does not let the route table import a folder named vendor; rename it"},
		{"docs/path__/more", "", "must be the last folder"},
		{"a/id_/b/id_", "", `parameter "id" appears twice`},
		{"Products", "", "use lowercase letters"},
		{"products/ID_", "", "must be a lowercase Go identifier"},
		{"products/1x_", "", "must be a lowercase Go identifier"},
		{"a b", "", "use lowercase letters"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := route.FromDir(tt.dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, route.ErrFolder) {
					t.Fatalf("FromDir(%q) error = %v, want one containing %q", tt.dir, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FromDir(%q) = %q, %v; want %q", tt.dir, got, err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "products", "/a//b", "/{x...}/b", "/{1x}", "/{x}/{x}", "/a{x}", "/{x"} {
		if _, err := route.Parse(p); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", p)
		}
	}
}

func newRouter(t testing.TB) *route.Router[string] {
	r := route.NewRouter[string]()
	for _, p := range []string{
		"/", "/products", "/products/new", "/products/{id}", "/products/{id}/reviews",
		"/docs/{path...}", "/docs/intro", "/a/b/c", "/a/{x}/d", "/{slug}",
	} {
		if err := r.Add(p, p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestMatch(t *testing.T) {
	t.Parallel()
	r := newRouter(t)
	tests := []struct {
		path, want string
		params     map[string]string
	}{
		{"/", "/", nil},
		{"/products", "/products", nil},
		{"/products/new", "/products/new", nil},
		{"/products/7", "/products/{id}", map[string]string{"id": "7"}},
		{"/products/7/reviews", "/products/{id}/reviews", map[string]string{"id": "7"}},
		{"/docs/intro", "/docs/intro", nil},
		{"/docs/a/b/c", "/docs/{path...}", map[string]string{"path": "a/b/c"}},
		{"/docs/x", "/docs/{path...}", map[string]string{"path": "x"}},
		{"/a/b/d", "/a/{x}/d", map[string]string{"x": "b"}}, // backtracks from the static b
		{"/a/b/c", "/a/b/c", nil},
		{"/about", "/{slug}", map[string]string{"slug": "about"}},
		{"/docs", "/{slug}", map[string]string{"slug": "docs"}},
		{"/products/7/other", "", nil},
		{"/a/b/e", "", nil},
		{"", "", nil},
		{"/products//7", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			v, params, pattern, ok := r.Match(tt.path)
			if ok != (tt.want != "") || v != tt.want || pattern != tt.want {
				t.Fatalf("Match(%q) = %q %q %v, want %q", tt.path, v, pattern, ok, tt.want)
			}
			if diff := cmp.Diff(tt.params, params); diff != "" {
				t.Fatalf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddConflicts(t *testing.T) {
	t.Parallel()
	r := route.NewRouter[int]()
	if err := r.Add("/a/{x}", 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/a/{y}", "/a/{x}"} {
		if err := r.Add(p, 2); err == nil {
			t.Errorf("Add(%q) succeeded, want a conflict", p)
		}
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, path, redirect string
		code               int
	}{
		{"/", "/", "", 0},
		{"/products/1", "/products/1", "", 0},
		{"/products/1/", "/products/1", "/products/1", 0},
		{"//products/1", "/products/1", "/products/1", 0},
		{"//evil.example/x", "/evil.example/x", "/evil.example/x", 0},
		{"/products/%31", "/products/1", "/products/1", 0},
		{"/caf%c3%a9", "/café", "/caf%C3%A9", 0},
		{"/caf%C3%A9", "/café", "", 0},
		{"/hello%20world", "/hello world", "", 0},
		{"///", "/", "/", 0},
		{"/products/1;x.css", "", "", 404},
		{"/a/../b", "", "", 404},
		{"/a/./b", "", "", 404},
		{"/a/%2e%2e/b", "", "", 404},
		{"/a/%2E/b", "", "", 404},
		{"/a%2fb", "", "", 404},
		{"/a%5cb", "", "", 404},
		{"/a\\b", "", "", 404},
		{"/a%3bb", "", "", 404},
		{"/products/1%3Fpage=2", "", "", 404}, // would be the key of /products/1?page=2
		{"/a%23b", "", "", 404},
		{"/%ff", "", "", 400},
		{"/%zz", "", "", 400},
		{"/%", "", "", 400},
		{"/a%00b", "", "", 400},
		{"/a%0ab", "", "", 400},
		{"relative", "", "", 400},
		{"/" + strings.Repeat("a", 2048), "", "", 414},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 30)], func(t *testing.T) {
			path, redirect, err := route.Canonical(tt.in)
			if tt.code != 0 {
				if se, ok := errors.AsType[*httperr.Error](err); !ok || se.Code != tt.code {
					t.Fatalf("Canonical(%q) = %q %q %v, want status %d", tt.in, path, redirect, err, tt.code)
				}
				return
			}
			if err != nil || path != tt.path || redirect != tt.redirect {
				t.Fatalf("Canonical(%q) = %q, %q, %v; want %q, %q", tt.in, path, redirect, err, tt.path, tt.redirect)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	tests := []struct {
		path, query string
		allow       []string
		want        route.Key
		wantQuery   string
	}{
		{"/posts", "page=2&utm=x", []string{"page"}, "/posts?page=2", "page=2"},
		{"/posts", "utm=x", []string{"page"}, "/posts", ""},
		{"/posts", "b=2&a=1", []string{"b", "a"}, "/posts?a=1&b=2", "a=1&b=2"},
		{"/posts", "page=2&page=3", []string{"page"}, "/posts?page=2", "page=2"},
		{"/posts", "page=a%26b", []string{"page"}, "/posts?page=a%26b", "page=a%26b"},
		{"/posts", "page=2", nil, "/posts", ""},
		{"/a b", "", []string{"page"}, "/a b", ""},
	}
	for _, tt := range tests {
		got, err := route.NewKey(tt.path, q(tt.query), tt.allow)
		if err != nil || got != tt.want {
			t.Errorf("NewKey(%q, %q, %v) = %q, %v; want %q", tt.path, tt.query, tt.allow, got, err, tt.want)
			continue
		}
		if got.Path() != tt.path || got.RawQuery() != tt.wantQuery || got.Query().Encode() != tt.wantQuery {
			t.Errorf("%q: Path %q, RawQuery %q, Query %q; want %q and %q", got, got.Path(), got.RawQuery(), got.Query().Encode(), tt.path, tt.wantQuery)
		}
	}
}

func TestKeyTooLong(t *testing.T) {
	t.Parallel()
	long := url.Values{"page": {strings.Repeat("9", 60_000)}}
	tests := []struct {
		name  string
		path  string
		query url.Values
		allow []string
		code  int
	}{
		{"short", "/posts", url.Values{"page": {"2"}}, []string{"page"}, 0},
		{"at the limit", "/" + strings.Repeat("a", route.MaxKeyLength-1), nil, nil, 0},
		{"one over", "/" + strings.Repeat("a", route.MaxKeyLength), nil, nil, 414},
		{"allowlisted 60 KB value", "/posts", long, []string{"page"}, 414},
		{"dropped 60 KB value", "/posts", long, []string{"sort"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := route.NewKey(tt.path, tt.query, tt.allow)
			got := 0
			if se, ok := errors.AsType[*httperr.Error](err); ok {
				got = se.Code
			} else if err != nil {
				t.Fatalf("NewKey: %v is not an *httperr.Error", err)
			}
			if got != tt.code {
				t.Fatalf("NewKey = %v, want status %d", err, tt.code)
			}
		})
	}
}

// FuzzCanonical checks that whatever a client sends, a canonical path is
// clean, the redirect target is canonical itself, and a matched path is
// exactly its pattern filled with the params Match returns.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"/", "/a/b/", "//x", "/%2e%2e", "/a;b", "/%ff", "/caf%c3%a9", "/a//b/../c",
		"/products/7", "/products/7/reviews", "/docs/a/b/c", "/a/b/d", "/about", "/hello%20world",
	} {
		f.Add(s)
	}
	r := newRouter(f)
	f.Fuzz(func(t *testing.T, in string) {
		path, redirect, err := route.Canonical(in)
		if err != nil {
			return
		}
		if strings.Contains(path, "//") || (path != "/" && strings.HasSuffix(path, "/")) || !utf8.ValidString(path) {
			t.Fatalf("Canonical(%q) path %q is not clean", in, path)
		}
		for seg := range strings.SplitSeq(path, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("Canonical(%q) path %q has a dot segment", in, path)
			}
		}
		if redirect != "" {
			if !strings.HasPrefix(redirect, "/") || strings.HasPrefix(redirect, "//") {
				t.Fatalf("Canonical(%q) redirect %q could leave the site", in, redirect)
			}
			p2, r2, err := route.Canonical(redirect)
			if err != nil || r2 != "" || p2 != path {
				t.Fatalf("redirect %q of %q is not canonical: %q %q %v", redirect, in, p2, r2, err)
			}
		}
		if redirect != "" {
			return
		}
		_, params, pattern, ok := r.Match(path)
		if !ok {
			return
		}
		p, err := route.Parse(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(params) != len(p.Params()) {
			t.Fatalf("Match(%q) = %s with params %v, want one per name in %v", path, pattern, params, p.Params())
		}
		var filled strings.Builder
		for _, s := range p.Segments {
			v := s.Value
			if s.Kind != route.Static {
				v = params[s.Value]
				if v == "" || (s.Kind == route.Param && strings.Contains(v, "/")) {
					t.Fatalf("Match(%q) = %s with param %s = %q", path, pattern, s.Value, v)
				}
			}
			filled.WriteString("/" + v)
		}
		got := filled.String()
		if got == "" {
			got = "/"
		}
		if got != path {
			t.Fatalf("Match(%q) = %s with params %v, which fills to %q", path, pattern, params, got)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	r := newRouter(b)
	for _, path := range []string{"/products/new", "/products/7", "/docs/a/b/c"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Match(path)
			}
		})
	}
}
