package httpcache

import "testing"

func TestAcceptsEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ae, enc string
		want    bool
	}{
		{"gzip, br", "br", true},
		{"gzip", "br", false},
		{"BR;q=1", "br", true},
		{"br;q=0", "br", false},
		{"br; q=0.0", "br", false},
		{"br;q=0.5", "br", true},
		{"br;q=0.001", "br", true},
		{"identity, *;q=0", "gzip", false},
		{"xbr", "br", false},
		{"", "gzip", false},
	}
	for _, tt := range tests {
		if got := acceptsEncoding(tt.ae, tt.enc); got != tt.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tt.ae, tt.enc, got, tt.want)
		}
	}
}

func TestETagMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		inm  string
		want bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
		{`abc`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := etagMatch(tt.inm, `"abc"`); got != tt.want {
			t.Errorf("etagMatch(%q) = %v, want %v", tt.inm, got, tt.want)
		}
	}
}
