package server

import "testing"

// TestFramingScannerPieces: the scanner finds the same request whatever
// pieces the connection's bytes arrive in, and stops where it cannot be
// sure to frame as net/http does.
func TestFramingScannerPieces(t *testing.T) {
	t.Parallel()
	sized := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\nTransfer-Encoding: x"
	chunked := "\r\nGET / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n1a\r\nContent-Length: 5\r\n\r\n....\r\n0\r\n\r\n"
	both := "GET / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	tests := []struct {
		name string
		raw  string
		want int64
	}{
		{"both third", sized + chunked + both, 3},
		{"both first", both + sized, 1},
		{"global options not counted", "OPTIONS * HTTP/1.1\r\n\r\n" + both, 1},
		{"none", sized + chunked, 0},
		{"folded line stops", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n" + both, 0},
		{"HTTP/1.0 chunked stops", "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + both, 0},
		{"two lengths stop", "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n" + both, 0},
	}
	for _, tt := range tests {
		for _, piece := range []int{1, 3, len(tt.raw)} {
			var s framingScanner
			s.startBlock()
			for raw := tt.raw; raw != ""; {
				n := min(piece, len(raw))
				s.feed([]byte(raw[:n]))
				raw = raw[n:]
			}
			if got := s.smuggled.Load(); got != tt.want {
				t.Errorf("%s in pieces of %d: request %d flagged, want %d", tt.name, piece, got, tt.want)
			}
		}
	}
}

// FuzzFramingScanner checks that the scanner's verdict does not depend on
// the pieces the bytes arrive in.
func FuzzFramingScanner(f *testing.F) {
	f.Add("GET / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", uint8(1))
	f.Add("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", uint8(7))
	f.Fuzz(func(t *testing.T, raw string, piece uint8) {
		var whole, split framingScanner
		whole.startBlock()
		split.startBlock()
		whole.feed([]byte(raw))
		n := int(piece) + 1
		for b := []byte(raw); len(b) > 0; b = b[min(n, len(b)):] {
			split.feed(b[:min(n, len(b))])
		}
		if w, s := whole.smuggled.Load(), split.smuggled.Load(); w != s || w > whole.requests {
			t.Fatalf("%q: request %d flagged whole, %d in pieces of %d (of %d requests)", raw, w, s, n, whole.requests)
		}
	})
}
