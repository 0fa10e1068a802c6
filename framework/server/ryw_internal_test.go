package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/isr"
)

func TestRYWPayload(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 42)
	many := make([]string, rywMaxItems+1)
	for i := range many {
		many[i] = fmt.Sprint("tag-", i)
	}
	tests := []struct {
		name string
		in   *isr.Writes
		want *isr.Writes // nil: every page
	}{
		{"paths and tags", &isr.Writes{Paths: []string{"/products/1"}, Tags: []string{"product-1", "product-list"}}, &isr.Writes{Paths: []string{"/products/1"}, Tags: []string{"product-1", "product-list"}}},
		{"nothing", &isr.Writes{}, &isr.Writes{}},
		{"every page", nil, nil},
		{"too many items", &isr.Writes{Tags: many}, nil},
		{"too many bytes", &isr.Writes{Tags: []string{strings.Repeat("t", rywMaxBytes)}}, nil},
	}
	for _, tt := range tests {
		b := rywWrite{at: at, writes: tt.in}.encode()
		if len(b) > rywMaxBytes {
			t.Errorf("%s: payload of %d bytes", tt.name, len(b))
		}
		got, ok := decodeWrite(b)
		if !ok || !got.at.Equal(at) {
			t.Fatalf("%s: decode = %v, %v", tt.name, got, ok)
		}
		if (got.writes == nil) != (tt.want == nil) ||
			got.writes != nil && (!slices.Equal(got.writes.Paths, tt.want.Paths) || !slices.Equal(got.writes.Tags, tt.want.Tags)) {
			t.Errorf("%s: decoded %+v, want %+v", tt.name, got.writes, tt.want)
		}
	}
	good := rywWrite{at: at, writes: &isr.Writes{Tags: []string{"a"}}}.encode()
	for name, b := range map[string][]byte{
		"short":        good[:8],
		"trailing":     append(slices.Clone(good), 't'),
		"bad kind":     append(slices.Clone(good[:9]), 'x', 1, 'a'),
		"bad flags":    append(slices.Clone(good[:8]), 2),
		"all and more": append(append(slices.Clone(good[:8]), rywAll), good[9:]...),
		"long length":  append(slices.Clone(good[:9]), 't', 200, 'a'),
	} {
		if _, ok := decodeWrite(b); ok {
			t.Errorf("%s payload decoded", name)
		}
	}
	// One cookie covers every write of its window.
	m := rywWrite{at: at, writes: &isr.Writes{Tags: []string{"a"}}}.merge(at.Add(time.Second), []string{"/p"}, []string{"a", "b"})
	if !m.at.Equal(at.Add(time.Second)) || !slices.Equal(m.writes.Tags, []string{"a", "b"}) || !slices.Equal(m.writes.Paths, []string{"/p"}) {
		t.Errorf("merge = %+v", m.writes)
	}
	if all := (rywWrite{at: at}).merge(at, nil, []string{"a"}); all.writes != nil {
		t.Error("merging into an every-page write narrowed it")
	}
}
