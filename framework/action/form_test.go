package action_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/internal/httperr"
)

func TestParseFormMultipartFiles(t *testing.T) {
	t.Parallel()
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("quantity", "3")
	fw, _ := mw.CreateFormFile("photo", "cat.jpg")
	fw.Write(bytes.Repeat([]byte{0xff}, 200<<10))
	empty, _ := mw.CreateFormFile("empty", "")
	empty.Write(nil)
	mw.WriteField("note", "hi")
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/p?/buy", bytes.NewReader(mp.Bytes()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	form, err := action.ParseForm(httptest.NewRecorder(), r, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"quantity": {"3"}, "note": {"hi"}}
	if got := form.Encode(); got != want.Encode() {
		t.Fatalf("form = %q, want %q (file parts dropped)", got, want.Encode())
	}
	if r.MultipartForm != nil {
		t.Fatal("the file was kept in a multipart form")
	}
}

func TestParseFormLimits(t *testing.T) {
	t.Parallel()
	var many bytes.Buffer
	mw := multipart.NewWriter(&many)
	for range 1001 {
		mw.WriteField("f", "1")
	}
	mw.Close()
	var bigFile bytes.Buffer
	fw := multipart.NewWriter(&bigFile)
	w, _ := fw.CreateFormFile("photo", "cat.jpg")
	w.Write(bytes.Repeat([]byte("x"), 5000))
	fw.Close()
	tests := []struct {
		name, ctype string
		body        []byte
		chunked     bool
		want        int
	}{
		{"chunked over the limit", "application/x-www-form-urlencoded", []byte("q=" + strings.Repeat("x", 5000)), true, 413},
		{"file over the limit", fw.FormDataContentType(), bigFile.Bytes(), false, 413},
		{"too many parts", mw.FormDataContentType(), many.Bytes(), false, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/p?/buy", io.MultiReader(bytes.NewReader(tt.body)))
			if tt.chunked {
				r.ContentLength = -1
			}
			r.Header.Set("Content-Type", tt.ctype)
			limit := int64(4096)
			if tt.name == "too many parts" {
				limit = 1 << 20
			}
			_, err := action.ParseForm(httptest.NewRecorder(), r, limit)
			if got := httperr.StatusCode(err); err == nil || got != tt.want {
				t.Fatalf("ParseForm = %v (status %d), want %d", err, got, tt.want)
			}
		})
	}
}

func TestEchoValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", action.MaxEcho) // 2 bytes a rune
	tests := []struct {
		name, in, want string
	}{
		{"short", "3", "3"},
		{"invalid UTF-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"cut on a rune boundary", "x" + long, "x" + long[:action.MaxEcho-2]},
		{"huge", strings.Repeat("y", 10<<20), strings.Repeat("y", action.MaxEcho)},
	}
	for _, tt := range tests {
		got := action.EchoValues(url.Values{"q": {tt.in}}).Get("q")
		if got != tt.want {
			t.Errorf("%s: EchoValues = %.40q (%d bytes), want %.40q (%d bytes)", tt.name, got, len(got), tt.want, len(tt.want))
		}
	}
	if got := action.EchoValues(url.Values{"k\xff": {"v"}}); got.Get("k\uFFFD") != "v" {
		t.Errorf("invalid UTF-8 field name kept: %q", got)
	}
}

// FuzzParseForm feeds arbitrary bodies under both form types: ParseForm
// never panics, answers a status error when it refuses, never returns
// more than the body held, and EchoValues of what it returns is valid
// UTF-8 within its bound.
func FuzzParseForm(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.SetBoundary("b0undary")
	mw.WriteField("quantity", "3")
	fw, _ := mw.CreateFormFile("photo", "cat.jpg")
	fw.Write([]byte("\xff\xd8"))
	mw.Close()
	f.Add(false, []byte("quantity=2&note=hi"))
	f.Add(false, []byte("a=%zz&b=\xff"))
	f.Add(false, []byte("=&&=x&;"))
	f.Add(true, mp.Bytes())
	f.Add(true, []byte("--b0undary\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n\xc3\r\n--b0undary--\r\n"))
	f.Add(true, []byte("--b0undary\r\nbroken"))
	f.Fuzz(func(t *testing.T, multi bool, body []byte) {
		ctype := "application/x-www-form-urlencoded"
		if multi {
			ctype = "multipart/form-data; boundary=b0undary"
		}
		const limit = 4096
		r := httptest.NewRequest(http.MethodPost, "/p?/a", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		form, err := action.ParseForm(httptest.NewRecorder(), r, limit)
		if err != nil {
			var he *httperr.Error
			if !errors.As(err, &he) {
				t.Fatalf("ParseForm error %v is not a status error", err)
			}
			if code := he.Code; code != 400 && code != 413 {
				t.Fatalf("ParseForm status %d for %v", code, err)
			}
			return
		}
		if len(body) > limit {
			t.Fatalf("accepted a %d-byte body over the %d limit", len(body), limit)
		}
		n := 0
		for k, vs := range form {
			n += len(k)
			for _, v := range vs {
				n += len(v)
			}
		}
		if n > len(body) {
			t.Fatalf("form holds %d bytes from a %d-byte body", n, len(body))
		}
		for k, vs := range action.EchoValues(form) {
			for _, v := range append(vs, k) {
				if !utf8.ValidString(v) || len(v) > action.MaxEcho {
					t.Fatalf("echoed %q: invalid or over %d bytes", v, action.MaxEcho)
				}
			}
		}
	})
}
