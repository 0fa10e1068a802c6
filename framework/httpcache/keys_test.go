package httpcache_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/httpcache"
)

func TestTagKey(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 65)
	tests := []struct {
		tag    string
		asIs   bool
		hashed bool
	}{
		{"product-1", true, false},
		{"nav", true, false},
		{"a.b_c~d!#$%&'*+^`|", true, false},
		{strings.Repeat("a", 64), true, false},
		{long, false, true},
		{"two words", false, true},
		{"a,b", false, true},
		{"caf\u00e9", false, true},
		{"line\nbreak", false, true},
		{`quo"te`, false, true},
		{"semi;colon", false, true},
		{"", false, true},
	}
	for _, tt := range tests {
		got := httpcache.TagKey(tt.tag)
		if tt.asIs && got != tt.tag {
			t.Errorf("TagKey(%q) = %q, want the tag itself", tt.tag, got)
		}
		if tt.hashed {
			if !strings.HasPrefix(got, "gox-t-") || len(got) != len("gox-t-")+16 {
				t.Errorf("TagKey(%q) = %q, want gox-t- and 16 hex digits", tt.tag, got)
			}
			if _, err := strconv.ParseUint(strings.TrimPrefix(got, "gox-t-"), 16, 64); err != nil {
				t.Errorf("TagKey(%q) = %q: not hex", tt.tag, got)
			}
		}
	}
	if httpcache.TagKey("two words") == httpcache.TagKey("two  words") {
		t.Error("two tags share a hashed key")
	}
	if p := httpcache.PathKey("/products/1"); p == httpcache.PathKey("/products/2") || !strings.HasPrefix(p, "gox-p-") || len(p) != 22 {
		t.Errorf("PathKey = %q", p)
	}
}

func TestEntryKeysBound(t *testing.T) {
	t.Parallel()
	e := &cache.Entry{Key: "/p?page=2"}
	for i := range 200 {
		e.Tags = append(e.Tags, strings.Repeat("t", 40)+strconv.Itoa(i))
	}
	e.Tags = append(e.Tags, e.Tags[0]) // a repeated tag counts once
	keys := httpcache.EntryKeys(e)
	if keys[0] != httpcache.PathKey("/p") {
		t.Fatalf("first key %q, want the path's key (query dropped)", keys[0])
	}
	if keys[len(keys)-1] != httpcache.OverflowKey {
		t.Fatalf("last key %q, want %q for tags past the bound", keys[len(keys)-1], httpcache.OverflowKey)
	}
	if n := len(strings.Join(keys, " ")); n > 4000 {
		t.Fatalf("keys take %d bytes, want at most 4000", n)
	}
	few := &cache.Entry{Key: "/p", Tags: []string{"a", "b", "a"}}
	if got := httpcache.EntryKeys(few); strings.Join(got, " ") != httpcache.PathKey("/p")+" a b" {
		t.Fatalf("EntryKeys = %q", got)
	}
	// Purges by tag include the overflow key, so the page above is dropped.
	if got := httpcache.PurgeKeys([]string{"/p", "/p"}, []string{"x"}); len(got) != 3 || got[2] != httpcache.OverflowKey {
		t.Fatalf("PurgeKeys = %q", got)
	}
	if got := httpcache.PurgeKeys([]string{"/p"}, nil); len(got) != 1 {
		t.Fatalf("PurgeKeys of a path alone = %q, want its key alone", got)
	}
}

func TestPolicyKeys(t *testing.T) {
	t.Parallel()
	page := entry(strings.Repeat("x", 100), 200)
	page.Tags = []string{"product-1", "two words"}
	httpcache.Encode(page)
	want := httpcache.PathKey("/p") + " product-1 " + httpcache.TagKey("two words")
	// An entry stored before purge keys were: its keys are made when served.
	old := entry(strings.Repeat("x", 100), 200)
	old.Tags = page.Tags
	old.Header = http.Header{"Content-Type": {"text/html"}}
	tests := []struct {
		mode                string
		surrogate, cacheTag string
	}{
		{"", "", ""},
		{"surrogate", want, ""},
		{"cache-tag", "", strings.ReplaceAll(want, " ", ",")},
		{"both", want, strings.ReplaceAll(want, " ", ",")},
	}
	for _, tt := range tests {
		keys, err := httpcache.ParseCDNKeys(tt.mode)
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]*cache.Entry{"encoded": page, "old": old} {
			w := httptest.NewRecorder()
			httpcache.NewPolicy(0, keys).Write(w, httptest.NewRequest("GET", "/p", nil), e, []string{"HIT"})
			if got := w.Header().Get("Surrogate-Key"); got != tt.surrogate {
				t.Errorf("%q %s: Surrogate-Key %q, want %q", tt.mode, name, got, tt.surrogate)
			}
			if got := w.Header().Get("Cache-Tag"); got != tt.cacheTag {
				t.Errorf("%q %s: Cache-Tag %q, want %q", tt.mode, name, got, tt.cacheTag)
			}
		}
	}
	if _, ok := old.Header["Surrogate-Key"]; ok {
		t.Fatal("serving an old entry changed its stored header")
	}
	if _, err := httpcache.ParseCDNKeys("fastly"); err == nil {
		t.Fatal("ParseCDNKeys accepted an unknown value")
	}
}

// A page served stale may stay in a CDN for a second: otherwise a CDN
// refetching it after a purge keeps the old page for another period.
func TestStaleCacheControl(t *testing.T) {
	t.Parallel()
	page := entry("<p>old</p>", 200)
	httpcache.Encode(page)
	policy := httpcache.NewPolicy(0, httpcache.NoKeys)
	for state, want := range map[string]string{
		"HIT":   "public, max-age=0, s-maxage=31536000",
		"STALE": "public, max-age=0, s-maxage=1, stale-while-revalidate=31536000",
		"MISS":  "public, max-age=0, s-maxage=31536000",
	} {
		w := httptest.NewRecorder()
		policy.Write(w, httptest.NewRequest("GET", "/p", nil), page, []string{state})
		if got := w.Header().Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", state, got, want)
		}
	}
}

// A stale 404 may stay in a CDN for a second too: it is regenerated only
// on its next request, which a CDN keeping it would never send.
func TestStaleNotFoundCacheControl(t *testing.T) {
	t.Parallel()
	notFound := entry("<p>nothing here</p>", 404)
	httpcache.Encode(notFound)
	policy := httpcache.NewPolicy(time.Hour, httpcache.NoKeys)
	for state, want := range map[string]string{
		"HIT":   "public, max-age=0, s-maxage=60",
		"STALE": "public, max-age=0, s-maxage=1",
	} {
		w := httptest.NewRecorder()
		policy.Write(w, httptest.NewRequest("GET", "/gone", nil), notFound, []string{state})
		if got := w.Header().Get("Cache-Control"); got != want {
			t.Errorf("%s 404: Cache-Control %q, want %q", state, got, want)
		}
	}
}
