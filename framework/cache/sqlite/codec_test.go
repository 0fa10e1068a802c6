package sqlite

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		tags   []string
	}{
		{"empty", nil, nil},
		{"one of each", http.Header{"Content-Type": {"text/html"}}, []string{"a"}},
		{"several values and odd bytes", http.Header{"Vary": {"Accept", ""}, "X-Bin": {"\x00\xff\n"}, "": {"x"}},
			[]string{"", "product-1", "über", "a\x00b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := decodeHeader(encodeHeader(tt.header))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.header, h, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("header round trip (-want +got):\n%s", d)
			}
			tags, err := decodeStrings(encodeStrings(tt.tags))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.tags, tags, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("tags round trip (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeRefusesGarbage(t *testing.T) {
	valid := encodeStrings([]string{"alpha", "beta"})
	tests := []struct {
		name string
		blob []byte
	}{
		{"truncated", valid[:len(valid)-1]},
		{"trailing bytes", append(append([]byte{}, valid...), 0)},
		{"count larger than the blob", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"length past the end", []byte{1, 9, 'a'}},
		{"bad varint", []byte{0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeStrings(tt.blob); err == nil {
				t.Errorf("decodeStrings(%q) succeeded, want an error", tt.blob)
			}
			if _, err := decodeHeader(tt.blob); err == nil {
				t.Errorf("decodeHeader(%q) succeeded, want an error", tt.blob)
			}
		})
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix string
		want   string
		ok     bool
	}{
		{"/products", "/productt", true},
		{"/a\xff", "/b", true},
		{"\xff\xff", "", false},
		{"/", "0", true},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.prefix, got, ok, tt.want, tt.ok)
		}
	}
}
