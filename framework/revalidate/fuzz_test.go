package revalidate_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/revalidate"
	"github.com/goxweb/gox/internal/httperr"
	"github.com/goxweb/gox/internal/wire"
)

func parse(body string) (wire.RevalidateRequest, error) {
	r := httptest.NewRequest(http.MethodPost, "/_gox/revalidate", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return revalidate.ParseBody(r, 1<<16)
}

// FuzzRevalidateBody checks that any body is either refused with a 4xx
// *httperr.Error or parsed into a canonical request: a known mode, each
// path canonical and each tag valid, sorted and unique, within the item
// limit, and parsing it again gives the same request.
func FuzzRevalidateBody(f *testing.F) {
	for _, s := range []string{
		`{"tags":["product-1"]}`,
		`{"paths":["/products/1/","//products/1","/a"],"mode":"expire"}`,
		`{"paths":["/a?b"]}`, `{"paths":["/../x"]}`, `{"tags":[""]}`, `{"tags":["a\u0000"]}`,
		`{"mode":"soon","tags":["a"]}`, `{"tags":["a"]} {}`, `{"extra":1}`, `[]`, `null`, `{"paths":null}`,
		`{"paths":["/%2e%2e/x","/a%2Fb"]}`, `{"tags":["a","a","b"]}`, "{\"paths\":[\"/\xff\"]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req, err := parse(body)
		if err != nil {
			he, ok := errors.AsType[*httperr.Error](err)
			if !ok || he.Code < 400 || he.Code > 499 {
				t.Fatalf("ParseBody(%q): %v, want a 4xx *httperr.Error", body, err)
			}
			return
		}
		if req.Mode != wire.ModeStale && req.Mode != wire.ModeExpire {
			t.Fatalf("ParseBody(%q): mode %q", body, req.Mode)
		}
		if n := len(req.Paths) + len(req.Tags); n == 0 || n > revalidate.MaxItems {
			t.Fatalf("ParseBody(%q): %d items", body, n)
		}
		for _, list := range [][]string{req.Paths, req.Tags} {
			if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
				t.Fatalf("ParseBody(%q): %q not sorted and unique", body, list)
			}
		}
		for _, p := range req.Paths {
			if c, err := revalidate.CanonicalPath(p); err != nil || c != p {
				t.Fatalf("ParseBody(%q): path %q not canonical (%q, %v)", body, p, c, err)
			}
		}
		for _, tag := range req.Tags {
			if tag == "" || len(tag) > revalidate.MaxTagLen || strings.ContainsFunc(tag, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("ParseBody(%q): tag %q", body, tag)
			}
		}
		again, _ := json.Marshal(req)
		req2, err := parse(string(again))
		if err != nil || !reflect.DeepEqual(req, req2) {
			t.Fatalf("ParseBody(%q) = %+v, but its JSON %s parses to %+v, %v", body, req, again, req2, err)
		}
	})
}
