// Package wire is what the gox command and a gox app say to each other: the
// names of the GOX_* environment variables, the JSON lines of prerender
// mode and the body of a revalidation request and its answer. Both sides
// import it, so a name or a field is written once.
package wire

import "strings"

// The environment variables a gox app reads. docs/cli.md documents each.
const (
	EnvCache                = "GOX_CACHE"
	EnvCacheMaxEntries      = "GOX_CACHE_MAX_ENTRIES"
	EnvCacheMaxBytes        = "GOX_CACHE_MAX_BYTES"
	EnvCacheRouteEntries    = "GOX_CACHE_MAX_ENTRIES_PER_ROUTE"
	EnvCacheRouteBytes      = "GOX_CACHE_MAX_BYTES_PER_ROUTE"
	EnvCacheRouteNotFound   = "GOX_CACHE_MAX_NOT_FOUND_PER_ROUTE"
	EnvCacheMemoryBytes     = "GOX_CACHE_MEMORY_BYTES"
	EnvCacheBuildRetention  = "GOX_CACHE_BUILD_RETENTION"
	EnvRedisPassword        = "GOX_REDIS_PASSWORD"
	EnvRedisOutbox          = "GOX_REDIS_OUTBOX"
	EnvDev                  = "GOX_DEV"
	EnvBuildID              = "GOX_BUILD_ID"
	EnvRevalidateToken      = "GOX_REVALIDATE_TOKEN"
	EnvDraftSecret          = "GOX_DRAFT_SECRET"
	EnvOrigin               = "GOX_ORIGIN"
	EnvAllowedOrigins       = "GOX_ALLOWED_ORIGINS"
	EnvTrustedProxies       = "GOX_TRUSTED_PROXIES"
	EnvReadTimeout          = "GOX_READ_TIMEOUT"
	EnvRenderTimeout        = "GOX_RENDER_TIMEOUT"
	EnvShutdownTimeout      = "GOX_SHUTDOWN_TIMEOUT"
	EnvMaxActionBytes       = "GOX_MAX_ACTION_BYTES"
	EnvActionBytesInFlight  = "GOX_ACTION_BYTES_IN_FLIGHT"
	EnvAssetsDir            = "GOX_ASSETS_DIR"
	EnvStaticDir            = "GOX_STATIC_DIR"
	EnvLog                  = "GOX_LOG"
	EnvLogLevel             = "GOX_LOG_LEVEL"
	EnvAccessLog            = "GOX_ACCESS_LOG"
	EnvCDNKeys              = "GOX_CDN_KEYS"
	EnvPurgeFastlyService   = "GOX_PURGE_FASTLY_SERVICE"
	EnvPurgeFastlyToken     = "GOX_PURGE_FASTLY_TOKEN"
	EnvPurgeCloudflareZone  = "GOX_PURGE_CLOUDFLARE_ZONE"
	EnvPurgeCloudflareToken = "GOX_PURGE_CLOUDFLARE_TOKEN"
	EnvPurgeVarnish         = "GOX_PURGE_VARNISH"
	EnvMetricsToken         = "GOX_METRICS_TOKEN"
	EnvAdminAddr            = "GOX_ADMIN_ADDR"
	EnvHost, EnvPort        = "HOST", "PORT"
	DefaultCache            = ".gox/cache.db"
	DefaultRedisOutbox      = ".gox/redis-outbox.db"
	DefaultPort             = "3000"
	PrerenderCommand        = "prerender"
	KeepGoingFlag           = "--keep-going"
	RevalidatePath          = "/_gox/revalidate"
	BuildIDSymbol           = "github.com/goxweb/gox/framework/server.buildID"
	ModeStale, ModeExpire   = "stale", "expire"
)

// Prerendered is one line of an app's prerender mode on stdout: one page
// rendered into the cache, and how far the whole run is. A page that
// failed has Error set (and no Status); a route whose StaticParams failed
// has Error set and no Path, and does not count in Done or Total.
//
// Error holds at most MaxPrerenderError bytes, so that every line fits the
// line length the gox command reads (MaxPrerenderLine).
type Prerendered struct {
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Route  string `json:"route"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	Bytes  int    `json:"bytes"`
	Error  string `json:"error,omitempty"`
}

// MaxPrerenderError bounds Prerendered.Error: an error's first 64 KiB
// say what went wrong.
const MaxPrerenderError = 64 << 10

// MaxPrerenderLine bounds a line of prerender output: a Prerendered line,
// even with an error of control characters escaped six times over, fits.
// The gox command skips longer lines: the app printed them itself.
const MaxPrerenderLine = 1 << 20

// RevalidateRequest is the JSON body of POST /_gox/revalidate.
type RevalidateRequest struct {
	Paths []string `json:"paths,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	// Mode is ModeStale (the default) or ModeExpire.
	Mode string `json:"mode,omitempty"`
}

// RevalidateResponse answers a revalidation: how many paths and tags were
// stamped and how many cached entries they cover. Unmatched lists the
// requested paths that no route serves: they were not stamped.
type RevalidateResponse struct {
	Paths     int      `json:"paths"`
	Tags      int      `json:"tags"`
	Entries   int      `json:"entries"`
	Mode      string   `json:"mode"`
	Unmatched []string `json:"unmatched,omitempty"`
}

// RevalidateRefusal is the JSON body of a refused revalidation.
type RevalidateRefusal struct {
	Error string `json:"error"`
}

// RedisPrefix is the key prefix an app takes on Redis when GOX_CACHE
// names none (no ?prefix=): the last element of its main package's
// import path, so that every build and binary name of one app (shop-1,
// shop-2, a cross build) shares its keys. The app reads the path from
// its build info, gox cache from go.mod in its folder.
func RedisPrefix(mainPackage string) string {
	return mainPackage[strings.LastIndexByte(mainPackage, '/')+1:]
}
