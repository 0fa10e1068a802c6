package httpcache

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ae   []string
		want coding
	}{
		{nil, identity},
		{[]string{""}, identity},
		{[]string{"gzip, br"}, brotliCoding},
		{[]string{"gzip"}, gzipCoding},
		{[]string{"x-gzip"}, gzipCoding},
		{[]string{"BR;q=1"}, brotliCoding},
		{[]string{"br;q=0, gzip"}, gzipCoding},
		{[]string{"br;Q=0, gzip"}, gzipCoding},
		{[]string{"br ; q = 0 , gzip"}, gzipCoding},
		{[]string{"br; q=0.0", "gzip"}, gzipCoding},
		{[]string{"br;q=0.000, gzip;q=0"}, identity},
		{[]string{"br;q=0.5, gzip"}, gzipCoding},
		{[]string{"br;q=0.001"}, brotliCoding},
		{[]string{"gzip;q=0.5, br;q=0.5"}, brotliCoding},
		{[]string{"*"}, brotliCoding},
		{[]string{"*;q=0.5, br;q=0"}, gzipCoding},
		{[]string{"gzip, *;q=0"}, gzipCoding},
		{[]string{"identity, *;q=0"}, identity},
		{[]string{"identity;q=1, gzip;q=0.9"}, identity},
		{[]string{"identity;q=0"}, identity},   // nothing acceptable: identity all the same
		{[]string{"br;q=2, gzip"}, gzipCoding}, // malformed q: the entry is ignored
		{[]string{"br;q=1.5, gzip"}, gzipCoding},
		{[]string{"br;q=abc"}, identity},
		{[]string{"xbr, gzipx"}, identity},
		{[]string{"br, br;q=0"}, brotliCoding}, // the first entry counts
	}
	for _, tt := range tests {
		if got := negotiate(tt.ae, true, true); got != tt.want {
			t.Errorf("negotiate(%q) = %d, want %d", tt.ae, got, tt.want)
		}
	}
	if got := negotiate([]string{"br, gzip;q=0.1"}, true, false); got != gzipCoding {
		t.Errorf("no brotli copy: got %d, want gzip", got)
	}
	if got := negotiate([]string{"br"}, false, false); got != identity {
		t.Errorf("no compressed copy: got %d, want identity", got)
	}
}

// FuzzAcceptEncoding checks that any Accept-Encoding value picks an
// available coding the client did not refuse, the same whatever the case.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip, br", "br;Q=0, gzip", "*;q=0", "identity;q=0", "br;q=0.001", "gzip;q=1.000, *;q=0.5", ";;,;q=", "br;q=0., gzip;q=."} {
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, ae string, gz, br bool) {
		got := negotiate([]string{ae}, gz, br)
		switch {
		case got == gzipCoding && !gz, got == brotliCoding && !br, got < identity || got > brotliCoding:
			t.Fatalf("negotiate(%q, %v, %v) = %d: not available", ae, gz, br, got)
		}
		lower := strings.ToLower(ae)
		if got != identity && !strings.Contains(lower, "*") && !strings.Contains(lower, map[coding]string{gzipCoding: "gzip", brotliCoding: "br"}[got]) {
			t.Fatalf("negotiate(%q) = %d, a coding the value does not name", ae, got)
		}
		if other := negotiate([]string{strings.ToUpper(ae)}, gz, br); other != got && strings.ToUpper(ae) != ae && !strings.ContainsFunc(ae, func(r rune) bool { return r > 0x7f }) {
			t.Fatalf("negotiate(%q) = %d but %d in upper case", ae, got, other)
		}
	})
}

func TestETagMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		inm  []string
		want bool
	}{
		{[]string{`"abc"`}, true},
		{[]string{`W/"abc"`}, true},
		{[]string{`"x", "abc"`}, true},
		{[]string{`"x"`, `"abc"`}, true},
		{[]string{`*`}, true},
		{[]string{`"abcd"`}, false},
		{[]string{`"abc-gz"`}, false},
		{[]string{`abc`}, false},
		{[]string{``}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := etagMatch(tt.inm, `"abc"`); got != tt.want {
			t.Errorf("etagMatch(%q) = %v, want %v", tt.inm, got, tt.want)
		}
	}
}
