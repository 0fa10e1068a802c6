package head_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/head"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.html")

// TestWriteGolden renders each testdata/CASE/input.json, a Head as JSON,
// and compares it with testdata/CASE/expected.html beside it. Hostile
// values (the hostile* cases) must come out as text: no tag, attribute or
// script of theirs survives.
func TestWriteGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*", "input.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, input := range inputs {
		dir := filepath.Dir(input)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(input)
			if err != nil {
				t.Fatal(err)
			}
			var h head.Head
			dec := json.NewDecoder(bytes.NewReader(src))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&h); err != nil {
				t.Fatalf("%s: %v", input, err)
			}
			var b bytes.Buffer
			if err := head.Write(&b, h); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(b.String(), "><", ">\n<") + "\n"
			file := filepath.Join(dir, "expected.html")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant (%s):\n%s", got, file, want)
			}
			if strings.HasPrefix(filepath.Base(dir), "hostile") {
				lower := strings.ToLower(got)
				scripts := 0
				if h.JSONLD != nil {
					scripts = 1
				}
				if strings.Count(lower, "<script") != scripts || strings.Count(lower, "</script") != scripts ||
					strings.Contains(lower, "<x>") || strings.Contains(lower, "<img") || strings.Contains(got, "<!--") {
					t.Errorf("a hostile value broke out:\n%s", got)
				}
			}
		})
	}
}

// TestWriteBadJSONLD: JSON-LD that cannot be marshalled fails the render
// (the last good page stays) rather than writing half a head.
func TestWriteBadJSONLD(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := head.Write(&b, head.Head{Title: "x", JSONLD: make(chan int)}); err == nil || !strings.Contains(err.Error(), "json-ld") {
		t.Fatalf("err = %v, want a json-ld error", err)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	root := head.Head{Title: "Shop", TitleTemplate: "%s | Shop", Description: "All things", Meta: map[string]string{"author": "A"}}
	tests := []struct {
		name  string
		heads []head.Head
		want  head.Head
	}{
		{"page title in the template", []head.Head{root, {Title: "Mug"}},
			head.Head{Title: "Mug | Shop", Description: "All things", Meta: map[string]string{"author": "A"}}},
		{"no page title: the layout's as is", []head.Head{root, {Description: "Mugs"}},
			head.Head{Title: "Shop", Description: "Mugs", Meta: map[string]string{"author": "A"}}},
		{"the nearest template wins", []head.Head{root, {TitleTemplate: "%s - Mugs"}, {Title: "Blue"}},
			head.Head{Title: "Blue - Mugs", Description: "All things", Meta: map[string]string{"author": "A"}}},
		{"meta merges, page last", []head.Head{root, {Meta: map[string]string{"author": "B", "k": "v"}}},
			head.Head{Title: "Shop", Description: "All things", Meta: map[string]string{"author": "B", "k": "v"}}},
		{"noindex sticks", []head.Head{{NoIndex: true}, {Title: "x"}}, head.Head{Title: "x", NoIndex: true}},
		{"a template without %s is ignored", []head.Head{{TitleTemplate: "Shop"}, {Title: "x"}}, head.Head{Title: "x"}},
		{"none", nil, head.Head{}},
	}
	for _, tt := range tests {
		if got := head.Merge(tt.heads...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if root.Meta["author"] != "A" {
		t.Fatal("Merge modified a layout's Meta")
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		in           head.Head
		origin, path string
		want         head.Head
	}{
		{"default canonical", head.Head{}, "https://s.example", "/p?page=2", head.Head{Canonical: "https://s.example/p?page=2"}},
		{"no origin: none", head.Head{}, "", "/p", head.Head{}},
		{"paths resolved", head.Head{Canonical: "/a", Image: "/i.png"}, "https://s.example", "/p",
			head.Head{Canonical: "https://s.example/a", Image: "https://s.example/i.png"}},
		{"absolute kept", head.Head{Canonical: "https://o.example/a", Image: "//cdn.example/i.png"}, "https://s.example", "/p",
			head.Head{Canonical: "https://o.example/a", Image: "//cdn.example/i.png"}},
	}
	for _, tt := range tests {
		if got := head.Resolve(tt.in, tt.origin, tt.path); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
