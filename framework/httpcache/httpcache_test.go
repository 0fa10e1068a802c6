package httpcache_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
)

func entry(body string, status int) *cache.Entry {
	e := &cache.Entry{
		Key: "/p", Status: status, Body: []byte(body), Sum: xxhash.Sum64String(body),
		Header:      http.Header{"Content-Type": {"text/html; charset=utf-8"}},
		GeneratedAt: time.Now().Add(-90 * time.Second),
	}
	e.FreshUntil = e.GeneratedAt.Add(time.Minute)
	return e
}

func TestEncode(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>a line of a page</p>\n", 200)
	e := entry(big, 200)
	header := e.Header
	httpcache.Encode(e)
	if e.ETag == "" || http.Header(e.Header).Get("Etag") != e.ETag {
		t.Fatalf("ETag %q, header %q", e.ETag, http.Header(e.Header).Get("Etag"))
	}
	if header.Get("Etag") != "" {
		t.Fatal("Encode modified the render's header in place")
	}
	gz, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{"gzip": gz, "brotli": brotli.NewReader(bytes.NewReader(e.Brotli))} {
		if got, err := io.ReadAll(r); err != nil || string(got) != big {
			t.Fatalf("%s body does not decode to the page: %v", name, err)
		}
	}
	small := entry("<p>hi</p>", 200)
	httpcache.Encode(small)
	if small.Gzip != nil || small.Brotli != nil || small.ETag == "" {
		t.Fatalf("small body: gzip %d, brotli %d bytes, ETag %q; want none, none, set", len(small.Gzip), len(small.Brotli), small.ETag)
	}
	if tags := http.Header(e.Header)["Etag"]; len(tags) != 3 || tags[1] != strings.TrimSuffix(e.ETag, `"`)+`-gz"` || tags[2] != strings.TrimSuffix(e.ETag, `"`)+`-br"` {
		t.Fatalf("Etag header %q, want identity, gzip and brotli tags", tags)
	}
	again := entry(big, 200)
	httpcache.Encode(again)
	if again.ETag != e.ETag {
		t.Fatalf("one body, two ETags: %s, %s", e.ETag, again.ETag)
	}
}

func TestPolicyWrite(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 4096)
	page := entry(big, 200)
	httpcache.Encode(page)
	notFound := entry("<p>nothing here</p>", 404)
	httpcache.Encode(notFound)
	policy := httpcache.NewPolicy(10*time.Minute, httpcache.NoKeys)
	tag := strings.TrimSuffix(page.ETag, `"`)
	gzTag, brTag := tag+`-gz"`, tag+`-br"`
	gz, br := http.Header{"Accept-Encoding": {"gzip, br;q=0"}}, http.Header{"Accept-Encoding": {"gzip, br"}}
	with := func(h http.Header, inm string) http.Header {
		h = h.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("If-None-Match", inm)
		return h
	}
	tests := []struct {
		name      string
		e         *cache.Entry
		method    string
		header    http.Header
		status    int
		encoding  string
		bodyLen   int
		etag      string
		cacheCtrl string
	}{
		{"identity", page, "GET", nil, 200, "", len(big), page.ETag, "public, max-age=0, s-maxage=600, stale-while-revalidate=31536000"},
		{"brotli", page, "GET", br, 200, "br", len(page.Brotli), brTag, ""},
		{"gzip", page, "GET", gz, 200, "gzip", len(page.Gzip), gzTag, ""},
		{"gzip q case", page, "GET", http.Header{"Accept-Encoding": {"br;Q=0, gzip"}}, 200, "gzip", len(page.Gzip), gzTag, ""},
		{"not modified", page, "GET", with(nil, page.ETag), 304, "", 0, page.ETag, ""},
		{"not modified weak", page, "GET", with(nil, "W/"+page.ETag), 304, "", 0, page.ETag, ""},
		{"not modified gzip", page, "GET", with(gz, gzTag), 304, "", 0, gzTag, ""},
		{"not modified brotli", page, "GET", with(br, `"x", `+brTag), 304, "", 0, brTag, ""},
		{"gzip tag, identity sent", page, "GET", with(nil, gzTag), 200, "", len(big), page.ETag, ""},
		{"identity tag, gzip sent", page, "GET", with(gz, page.ETag), 200, "gzip", len(page.Gzip), gzTag, ""},
		{"gzip tag, brotli sent", page, "GET", with(br, gzTag), 200, "br", len(page.Brotli), brTag, ""},
		{"head", page, "HEAD", nil, 200, "", 0, page.ETag, ""},
		{"not found", notFound, "GET", with(nil, notFound.ETag), 404, "", len(notFound.Body), notFound.ETag, "public, max-age=0, s-maxage=60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/p", nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			policy.Write(w, r, tt.e, []string{"HIT"})
			got := w.Result()
			if got.StatusCode != tt.status || got.Header.Get("Content-Encoding") != tt.encoding || w.Body.Len() != tt.bodyLen {
				t.Fatalf("got %d %q %d bytes, want %d %q %d bytes", got.StatusCode, got.Header.Get("Content-Encoding"), w.Body.Len(), tt.status, tt.encoding, tt.bodyLen)
			}
			for k, want := range map[string]string{"X-Gox-Cache": "HIT", "Vary": "Accept-Encoding", "Age": "90", "X-Content-Type-Options": "nosniff", "Etag": tt.etag} {
				if got := got.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.cacheCtrl != "" && got.Header.Get("Cache-Control") != tt.cacheCtrl {
				t.Errorf("Cache-Control = %q, want %q", got.Header.Get("Cache-Control"), tt.cacheCtrl)
			}
		})
	}
}

func TestWriteUncached(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	httpcache.WriteUncached(w, httptest.NewRequest("GET", "/p", nil), 422, []byte("<p>fix it</p>"), "ACTION")
	got := w.Result()
	if got.StatusCode != 422 || got.Header.Get("Cache-Control") != "private, no-store" || got.Header.Get("X-Frame-Options") != "SAMEORIGIN" || w.Body.String() != "<p>fix it</p>" {
		t.Fatalf("got %d %q %q", got.StatusCode, got.Header.Get("Cache-Control"), w.Body.String())
	}
}

// Vary keeps what middleware in front set (CORS's Origin) or a cached
// handler stored, and names Accept-Encoding once.
func TestWriteVary(t *testing.T) {
	t.Parallel()
	page := entry("<p>hi</p>", 200)
	httpcache.Encode(page)
	stored := entry("<p>hi</p>", 200)
	stored.Header = http.Header{"Vary": {"Origin"}}
	httpcache.Encode(stored)
	policy := httpcache.NewPolicy(time.Minute, httpcache.NoKeys)
	tests := []struct {
		name string
		e    *cache.Entry
		set  []string // Vary set before Write, by middleware
		want []string
	}{
		{"none", page, nil, []string{"Accept-Encoding"}},
		{"middleware", page, []string{"Origin"}, []string{"Origin", "Accept-Encoding"}},
		{"already", page, []string{"origin, accept-encoding"}, []string{"origin, accept-encoding"}},
		{"star", page, []string{"*"}, []string{"*"}},
		{"stored", stored, nil, []string{"Origin", "Accept-Encoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if tt.set != nil {
				w.Header()["Vary"] = tt.set
			}
			policy.Write(w, httptest.NewRequest("GET", "/p", nil), tt.e, []string{"HIT"})
			if got := w.Header()["Vary"]; !slices.Equal(got, tt.want) {
				t.Errorf("Vary %q, want %q", got, tt.want)
			}
		})
	}
	if got := stored.Header["Vary"]; !slices.Equal(got, []string{"Origin"}) {
		t.Errorf("the stored header changed: Vary %q", got)
	}
}
