package redis

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pack encodes strings as "<len>:<bytes>" one after the other: exact
// bytes whatever they hold (JSON would replace invalid UTF-8), and simple
// enough for the Lua scripts to read and write (luaNames).
func pack(list []string) string {
	var b strings.Builder
	for _, s := range list {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// errPacked reports a packed list that does not parse.
var errPacked = errors.New("malformed packed list")

// unpack decodes what pack encoded.
func unpack(s string) ([]string, error) {
	var out []string
	for len(s) > 0 {
		n, rest, ok := strings.Cut(s, ":")
		if !ok {
			return nil, errPacked
		}
		l, err := strconv.Atoi(n)
		if err != nil || l < 0 || l > len(rest) {
			return nil, errPacked
		}
		out = append(out, rest[:l])
		s = rest[l:]
	}
	return out, nil
}

// stampWidth is the width of a time as the store writes it.
const stampWidth = 19

// fmtTime writes t as zero-padded Unix nanoseconds, which the scripts
// compare as strings; the zero time (and any time before 1970) is all
// zeros.
func fmtTime(t time.Time) string {
	var ns int64
	if !t.IsZero() {
		ns = max(t.UnixNano(), 0)
	}
	return fmt.Sprintf("%0*d", stampWidth, ns)
}

// parseTime reads what fmtTime wrote; "" and zero are the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	if ns == 0 {
		return time.Time{}, nil
	}
	return time.Unix(0, ns), nil
}

// head is the part of an entry that a render fixes and no script reads:
// route, status, ETag, checksum and header.
type head struct {
	route  string
	status int
	etag   string
	sum    uint64
	header http.Header
}

// encodeHead packs h: route, status, etag, sum, then each header name
// (sorted) with its number of values and the values.
func encodeHead(h head) string {
	list := []string{h.route, strconv.Itoa(h.status), h.etag, strconv.FormatUint(h.sum, 10)}
	names := make([]string, 0, len(h.header))
	for k := range h.header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		list = append(list, k, strconv.Itoa(len(h.header[k])))
		list = append(list, h.header[k]...)
	}
	return pack(list)
}

// decodeHead reads what encodeHead wrote.
func decodeHead(s string) (head, error) {
	list, err := unpack(s)
	if err != nil || len(list) < 4 {
		return head{}, errors.Join(errPacked, err)
	}
	var h head
	h.route, h.etag = list[0], list[2]
	if h.status, err = strconv.Atoi(list[1]); err != nil {
		return head{}, fmt.Errorf("status: %w", err)
	}
	if h.sum, err = strconv.ParseUint(list[3], 10, 64); err != nil {
		return head{}, fmt.Errorf("sum: %w", err)
	}
	rest := list[4:]
	for len(rest) > 0 {
		if len(rest) < 2 {
			return head{}, errPacked
		}
		n, err := strconv.Atoi(rest[1])
		if err != nil || n < 0 || n > len(rest)-2 {
			return head{}, errPacked
		}
		if h.header == nil {
			h.header = make(http.Header)
		}
		h.header[rest[0]] = slices.Clone(rest[2 : 2+n])
		rest = rest[2+n:]
	}
	return h, nil
}
