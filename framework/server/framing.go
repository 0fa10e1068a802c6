package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

// A request with both Transfer-Encoding and Content-Length is how request
// smuggling starts: a proxy in front may frame it by one header and gox by
// the other. RFC 9112 6.1 lets a server refuse it and requires closing the
// connection after answering. net/http instead honours Transfer-Encoding,
// deletes Content-Length before the handler could see it and keeps the
// connection open for the next request. So each connection's bytes pass
// through a framingScanner that follows the request framing as net/http
// does and notes which request on the connection had both headers; the
// handler answers that one 400 with Connection: close, and net/http then
// closes the connection without reading a pipelined request.

// guardFraming wraps ln and srv's handler so that requests with both
// Transfer-Encoding and Content-Length are refused. Call it before
// srv.Serve.
func guardFraming(srv *http.Server, ln net.Listener) net.Listener {
	next, prevCtx := srv.Handler, srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prevCtx != nil {
			ctx = prevCtx(ctx, c)
		}
		if fc, ok := c.(*framingConn); ok {
			ctx = context.WithValue(ctx, framingKey{}, fc)
		}
		return ctx
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fc, ok := r.Context().Value(framingKey{}).(*framingConn); ok && r.ProtoMajor == 1 {
			if n := fc.served.Add(1); n == fc.scan.smuggled.Load() {
				w.Header().Set("Connection", "close")
				http.Error(w, "Transfer-Encoding and Content-Length together are refused", http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
	return framingListener{ln}
}

type framingKey struct{}

type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &framingConn{Conn: c}
	fc.scan.startBlock()
	return fc, nil
}

// framingConn counts the requests handled on a connection, to match them
// with those its scanner saw.
type framingConn struct {
	net.Conn
	scan   framingScanner
	served atomic.Int64
}

func (c *framingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.scan.feed(p[:n])
	return n, err
}

// CloseWrite and ReadFrom keep what net/http gets from a *net.TCPConn: the
// half-close that lets a client read a refusal before the connection
// ends, and sendfile.
func (c *framingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *framingConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

// Scanner states.
const (
	inHeader = iota
	inBody
	inChunkSize
	inChunkData
	inChunkEnd
	inTrailer
	stopped
)

// maxScanLine bounds what the scanner keeps of a line; a longer header
// block than net/http accepts (64 KiB) stops it, as net/http then closes
// the connection anyway.
const (
	maxScanLine  = 256
	maxScanBlock = 1 << 20
)

// framingScanner follows HTTP/1.1 request framing over a connection's
// bytes, in whatever pieces they are read. It is fed by one reader at a
// time (net/http reads a connection from one goroutine at a time); the
// handler reads smuggled concurrently. Whenever it is not sure to frame as
// net/http does (an obsolete line folding, an HTTP/1.0 request with
// Transfer-Encoding, a malformed length: all of which net/http refuses or
// treats so that the connection ends) it stops, so it can fail to notice
// but never refuse a request net/http would serve as framed.
type framingScanner struct {
	state     int
	line      []byte // the current line, at most maxScanLine bytes
	lineLen   int    // its full length
	block     int    // bytes of the current header block
	requests  int64  // header blocks seen
	first     bool   // the next line is a request line
	http10    bool
	global    bool // OPTIONS *, which net/http answers without the handler
	te, cl    int  // Transfer-Encoding and Content-Length lines seen
	chunked   bool
	clValue   []byte
	remaining int64        // of a body or chunk
	smuggled  atomic.Int64 // 1-based number of the request with TE and CL, or 0
}

func (s *framingScanner) feed(p []byte) {
	for len(p) > 0 && s.state != stopped {
		switch s.state {
		case inBody, inChunkData:
			n := min(int64(len(p)), s.remaining)
			s.remaining -= n
			p = p[n:]
			if s.remaining == 0 {
				if s.state == inBody {
					s.startBlock()
				} else {
					s.state = inChunkEnd
				}
			}
		default:
			i := bytes.IndexByte(p, '\n')
			piece := p
			if i >= 0 {
				piece = p[:i]
			}
			if room := maxScanLine - len(s.line); room > 0 {
				s.line = append(s.line, piece[:min(room, len(piece))]...)
			}
			s.lineLen += len(piece)
			if i < 0 {
				p = nil
				if s.lineLen > maxScanBlock {
					s.state = stopped
				}
				continue
			}
			p = p[i+1:]
			line := bytes.TrimSuffix(s.line, []byte("\r"))
			full := s.lineLen - (len(s.line) - len(line))
			s.line, s.lineLen = s.line[:0], 0
			s.endLine(line, full)
		}
	}
}

func (s *framingScanner) startBlock() {
	s.state, s.first, s.block = inHeader, true, 0
	s.http10, s.global, s.te, s.cl, s.chunked, s.clValue = false, false, 0, 0, false, s.clValue[:0]
}

// endLine handles one complete line; full is its length, of which line
// holds at most maxScanLine bytes.
func (s *framingScanner) endLine(line []byte, full int) {
	switch s.state {
	case inHeader:
		s.block += full + 1
		if s.block > maxScanBlock {
			s.state = stopped
			return
		}
		switch {
		case s.first && full == 0:
			// Blank lines before a request line are skipped.
		case s.first:
			s.first = false
			s.http10 = bytes.HasSuffix(line, []byte(" HTTP/1.0")) && full == len(line)
			s.global = bytes.HasPrefix(line, []byte("OPTIONS * "))
		case full == 0:
			s.endHeader()
		case line[0] == ' ' || line[0] == '\t':
			s.state = stopped
		default:
			name, value, _ := bytes.Cut(line, []byte(":"))
			switch {
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				s.te++
				s.chunked = full == len(line) && bytes.EqualFold(bytes.Trim(value, " \t"), []byte("chunked"))
			case bytes.EqualFold(name, []byte("Content-Length")):
				s.cl++
				v := bytes.Trim(value, " \t")
				if s.cl > 1 && !bytes.Equal(v, s.clValue) || full != len(line) {
					s.state = stopped
					return
				}
				s.clValue = append(s.clValue[:0], v...)
			}
		}
	case inChunkSize:
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.Trim(size, " \t")), 16, 64)
		switch {
		case err != nil || n < 0 || full > maxScanLine:
			s.state = stopped
		case n == 0:
			s.state = inTrailer
		default:
			s.state, s.remaining = inChunkData, n
		}
	case inChunkEnd:
		if full != 0 {
			s.state = stopped
			return
		}
		s.state = inChunkSize
	case inTrailer:
		if full == 0 {
			s.startBlock()
		}
	}
}

// endHeader decides the body's framing at the end of a header block.
func (s *framingScanner) endHeader() {
	if !s.global {
		s.requests++
	}
	switch {
	case s.te > 0 && s.cl > 0 && s.global:
		s.state = stopped
	case s.te > 0 && s.cl > 0:
		s.smuggled.Store(s.requests)
		s.state = stopped // the connection closes after this request
	case s.te > 0:
		if s.http10 || s.te > 1 || !s.chunked {
			s.state = stopped
			return
		}
		s.state = inChunkSize
	case s.cl > 0:
		n, err := strconv.ParseInt(string(s.clValue), 10, 64)
		if err != nil || n < 0 {
			s.state = stopped
			return
		}
		if n == 0 {
			s.startBlock()
			return
		}
		s.state, s.remaining = inBody, n
	default:
		s.startBlock()
	}
}
