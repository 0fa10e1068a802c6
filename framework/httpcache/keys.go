package httpcache

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// CDNKeys says which purge-key headers cached pages carry, so that a CDN
// in front of gox can drop exactly the pages an invalidation covers.
type CDNKeys int

// The purge-key headers. Both carry the same keys: Surrogate-Key separated
// by spaces (Fastly, and Varnish's xkey module through a line of VCL),
// Cache-Tag by commas (Cloudflare).
const (
	NoKeys       CDNKeys = 0
	SurrogateKey CDNKeys = 1 << iota
	CacheTag
	BothKeys = SurrogateKey | CacheTag
)

// ErrCDNKeys reports a value ParseCDNKeys does not know.
var ErrCDNKeys = errors.New(`want "surrogate", "cache-tag" or "both"`)

// ParseCDNKeys reads the GOX_CDN_KEYS value: "" (no headers),
// "surrogate", "cache-tag" or "both".
func ParseCDNKeys(s string) (CDNKeys, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return NoKeys, nil
	case "surrogate", "surrogate-key":
		return SurrogateKey, nil
	case "cache-tag":
		return CacheTag, nil
	case "both":
		return BothKeys, nil
	}
	return NoKeys, ErrCDNKeys
}

// Bounds of the purge keys of one page. Fastly and Cloudflare take 16 KB
// of keys per response, Varnish a header line of 8 KB by default
// (http_resp_hdr_len); 4,000 bytes stays under all three with room for
// the rest of the response. A key is at most 64 bytes, far under the
// 1,024 that Fastly and Cloudflare allow per key, so one long tag cannot
// crowd out the others.
const (
	maxKeyLen    = 64
	maxKeysBytes = 4000
)

// OverflowKey is the key of a page whose keys do not all fit the bound:
// it carries its path key, as many tag keys as fit, and this key, which
// every purge by tag includes, so such a page is dropped by every
// invalidation of a tag rather than missed by some.
const OverflowKey = "gox-overflow"

// The headers, in canonical form.
const (
	surrogateKeyHeader = "Surrogate-Key"
	cacheTagHeader     = "Cache-Tag"
)

// TagKey returns the purge key of tag: the tag itself when it is at most
// 64 bytes of HTTP token characters (RFC 9110 5.6.2: letters, digits and
// !#$%&'*+-.^_`|~), so that an operator can purge it by name from the
// CDN's console; otherwise "gox-t-" and 16 hex digits of its hash, which
// holds no space, comma or other byte a CDN would split or refuse. Two
// tags sharing a key, or Cloudflare's keys being case-insensitive, can
// only make a purge drop more pages, never fewer.
func TagKey(tag string) string {
	if tag != "" && len(tag) <= maxKeyLen && isToken(tag) {
		return tag
	}
	return "gox-t-" + hash(tag)
}

// PathKey returns the purge key of the pages at path, whatever their
// query: "gox-p-" and 16 hex digits of the path's hash.
func PathKey(path string) string { return "gox-p-" + hash(path) }

func hash(s string) string {
	h := strconv.FormatUint(xxhash.Sum64String(s), 16)
	return strings.Repeat("0", 16-len(h)) + h
}

// isToken reports whether s is made of HTTP token characters only.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// PurgeKeys returns the keys a CDN must purge for an invalidation of paths
// and tags: each path's and each tag's key, once, and OverflowKey when
// there are tags.
func PurgeKeys(paths, tags []string) []string {
	keys := make([]string, 0, len(paths)+len(tags)+1)
	seen := make(map[string]bool, cap(keys))
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, p := range paths {
		add(PathKey(p))
	}
	for _, t := range tags {
		add(TagKey(t))
	}
	if len(tags) > 0 {
		add(OverflowKey)
	}
	return keys
}

// EntryKeys returns the purge keys of e: its path's key, then its tags'
// keys once each, within the bound (see OverflowKey).
func EntryKeys(e *cache.Entry) []string {
	keys := []string{PathKey(e.Path())}
	n := len(keys[0])
	seen := map[string]bool{keys[0]: true}
	for i, t := range e.Tags {
		k := TagKey(t)
		if seen[k] {
			continue
		}
		// Room is kept for the overflow key while tags remain.
		reserve := 0
		if i < len(e.Tags)-1 {
			reserve = 1 + len(OverflowKey)
		}
		if n+1+len(k)+reserve > maxKeysBytes {
			return append(keys, OverflowKey)
		}
		seen[k] = true
		keys = append(keys, k)
		n += 1 + len(k)
	}
	return keys
}

// setKeys stores e's purge keys in both header forms on h, so that serving
// a page picks them without building a string. h is e's own copy.
func setKeys(h http.Header, e *cache.Entry) {
	keys := EntryKeys(e)
	h[surrogateKeyHeader] = []string{strings.Join(keys, " ")}
	h[cacheTagHeader] = []string{strings.Join(keys, ",")}
}

// writeKeys leaves the purge-key headers that p sends on h, which holds a
// copy of e's stored headers: both are stored with every entry Encode
// made, and an entry stored before then gets its keys made here.
func (p *Policy) writeKeys(h http.Header, e *cache.Entry) {
	if p.keys == NoKeys {
		delete(h, surrogateKeyHeader)
		delete(h, cacheTagHeader)
		return
	}
	if _, ok := e.Header[surrogateKeyHeader]; !ok {
		setKeys(h, e)
	}
	if p.keys&SurrogateKey == 0 {
		delete(h, surrogateKeyHeader)
	}
	if p.keys&CacheTag == 0 {
		delete(h, cacheTagHeader)
	}
}
