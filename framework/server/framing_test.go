package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/server"
)

// serveReal serves a harness's app through App.Serve on 127.0.0.1 and
// returns its address.
func serveReal(t *testing.T, h *harness) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// exchange writes raw to a new connection and reads every response until
// the server closes it (closed true) or stays silent (closed false).
func exchange(t *testing.T, addr, raw string) (resps []*http.Response, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	// The deadline only ends a connection the server keeps open.
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	br := bufio.NewReader(conn)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return resps, false
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return resps, true
			}
			t.Fatalf("read response %d: %v", len(resps)+1, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		resps = append(resps, resp)
	}
}

// TestServeRefusesTEAndCL: a request with both Transfer-Encoding and
// Content-Length gets 400 and the connection closes, so a pipelined
// request behind it is never answered; requests framed by one of the two
// keep the connection.
func TestServeRefusesTEAndCL(t *testing.T) {
	t.Parallel()
	addr := serveReal(t, newHarness(t, server.Config{}))
	const next = "GET /products/1 HTTP/1.1\r\nHost: x\r\n\r\n"
	chunked := "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n"
	sized := "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	smuggle := "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
	tests := []struct {
		name   string
		raw    string
		want   []int
		closed bool
	}{
		{"chunked then pipelined", chunked + next, []int{200, 200}, false},
		{"sized then pipelined", sized + next, []int{200, 200}, false},
		{"both", smuggle + next, []int{400}, true},
		{"both after good ones", sized + chunked + smuggle + next, []int{200, 200, 400}, true},
		{"both, CL first lowercase", strings.Replace(smuggle, "Content-Length", "content-length", 1) + next, []int{400}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resps, closed := exchange(t, addr, tt.raw)
			var got []int
			for _, r := range resps {
				got = append(got, r.StatusCode)
			}
			if !slices.Equal(got, tt.want) || closed != tt.closed {
				t.Fatalf("got %v, closed %v; want %v, closed %v", got, closed, tt.want, tt.closed)
			}
			if tt.closed && !resps[len(resps)-1].Close {
				t.Fatal("the 400 does not say Connection: close")
			}
		})
	}
}
