package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/cache/tiered"
	"github.com/goxweb/gox/framework/httpcache"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/purge"
	"github.com/goxweb/gox/framework/purge/cloudflare"
	"github.com/goxweb/gox/framework/purge/fastly"
	"github.com/goxweb/gox/framework/purge/varnish"
	"github.com/goxweb/gox/internal/wire"
)

// Config configures an App. Main fills it from the environment
// (ConfigFromEnv); zero values take the defaults named.
type Config struct {
	// Store is the page cache (Main opens SQLite at .gox/cache.db).
	Store cache.Store
	// BuildID names the build; entries of other builds regenerate.
	BuildID string
	// Dev renders every page fresh on every request (X-Gox-Cache: DEV).
	Dev bool
	// RevalidateToken enables POST /_gox/revalidate and the
	// x-prerender-revalidate header; empty disables both.
	RevalidateToken string
	// DraftSecret enables draft mode at /_gox/draft; empty disables it.
	DraftSecret string
	// Origin is the canonical origin ("https://shop.example") used for
	// absolute URLs and as the Host of cached renders.
	Origin string
	// AllowedOrigins may post server actions besides the request's own
	// and Origin.
	AllowedOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-Host and
	// X-Forwarded-Proto the action origin check believes; from anyone else
	// those headers are ignored, so a client cannot claim another origin.
	TrustedProxies []netip.Prefix
	// ReadTimeout bounds reading a whole request, body included, in Serve
	// (default 30 s), so a client trickling a body cannot hold a
	// connection open.
	ReadTimeout time.Duration
	// RenderTimeout bounds one render of a page, cached or not, and one
	// action (default 30 s, or Engine.RenderTimeout when that is set).
	RenderTimeout time.Duration
	// ShutdownTimeout bounds a graceful shutdown in Serve (default 10 s):
	// requests in flight finish within it, and a request still waiting on
	// a render near its end gets the last good page when there is one.
	ShutdownTimeout time.Duration
	// Engine tunes the ISR engine; Store, BuildID and Logger are set by
	// the App.
	Engine isr.Options
	// AssetsDir, in development, makes pages link development asset names
	// (app.css rather than app-<hash>.css); gox dev bundles this folder
	// and answers the asset requests itself.
	AssetsDir string
	// StaticDir, in development, serves static files from this folder on
	// disk instead of Routes.Static, so new and edited files show at once.
	StaticDir string
	// MaxActionBytes bounds an action's request body (default 1 MiB);
	// a larger one is refused with 413 before it is read.
	MaxActionBytes int64
	// ActionBytesInFlight bounds the bytes of action bodies held at once
	// across all requests (default 64 MiB, at least MaxActionBytes). A body
	// counts its Content-Length, or MaxActionBytes when it has none, from
	// before it is read until its answer is written; a post that does not
	// fit is refused at once with 503 and Retry-After, unread and without
	// running its action.
	ActionBytesInFlight int64
	// Logger receives the app's logs (default slog.Default()).
	Logger *slog.Logger

	// CDN, metrics and the inspector (ConfigFromEnv: cdnFromEnv).

	// CDNKeys makes cached pages carry their purge keys in Surrogate-Key,
	// Cache-Tag or both (GOX_CDN_KEYS); none by default.
	CDNKeys httpcache.CDNKeys
	// Purgers are told to drop the pages of every invalidation this app
	// makes, through a bounded background queue (GOX_PURGE_*).
	Purgers []purge.Purger
	// PurgeOptions tune that queue.
	PurgeOptions purge.Options
	// MetricsToken serves /_gox/metrics and the cache inspector at
	// /_gox/cache on the app's own listener to requests bearing it
	// (GOX_METRICS_TOKEN). Without it they are served there only in
	// development, and otherwise only on AdminAddr.
	MetricsToken string
	// AdminAddr, when set, makes ListenAndServe serve health, metrics and
	// the inspector on a listener of their own, without a token
	// (GOX_ADMIN_ADDR, e.g. 127.0.0.1:9090): an address only operators
	// and Prometheus reach.
	AdminAddr string
	// AccessLog logs one line per request to Logger (accesslog.go).
	AccessLog bool
}

// buildID is set at link time by gox build (wire.BuildIDSymbol).
var buildID string

// ConfigFromEnv reads an App's configuration from the environment:
// GOX_DEV, GOX_BUILD_ID, GOX_REVALIDATE_TOKEN, GOX_DRAFT_SECRET,
// GOX_ORIGIN, GOX_ALLOWED_ORIGINS (comma-separated), GOX_TRUSTED_PROXIES
// (comma-separated IP addresses or CIDR prefixes), GOX_READ_TIMEOUT,
// GOX_RENDER_TIMEOUT and GOX_SHUTDOWN_TIMEOUT (durations such as 30s),
// GOX_MAX_ACTION_BYTES, GOX_ACTION_BYTES_IN_FLIGHT (byte counts),
// GOX_ASSETS_DIR, GOX_STATIC_DIR and GOX_ACCESS_LOG. Errors carry a hint on their second
// line.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Dev:             getenv(wire.EnvDev) == "1",
		BuildID:         envOr(getenv, wire.EnvBuildID, buildID),
		RevalidateToken: getenv(wire.EnvRevalidateToken),
		DraftSecret:     getenv(wire.EnvDraftSecret),
		Origin:          strings.TrimSuffix(getenv(wire.EnvOrigin), "/"),
		AssetsDir:       getenv(wire.EnvAssetsDir),
		StaticDir:       getenv(wire.EnvStaticDir),
	}
	if cfg.BuildID == "" {
		cfg.BuildID = "dev"
	}
	var err error
	if err := checkOrigin(cfg.Origin); err != nil {
		return Config{}, err
	}
	if cfg.AccessLog, err = accessLogFromEnv(getenv(wire.EnvAccessLog)); err != nil {
		return Config{}, err
	}
	if cfg.RevalidateToken != "" && cfg.RevalidateToken == cfg.DraftSecret {
		return Config{}, errors.New(wire.EnvRevalidateToken + " and " + wire.EnvDraftSecret + " are the same\nhint: use two different secrets, so a draft link can never revalidate")
	}
	if v := getenv(wire.EnvAllowedOrigins); v != "" {
		for o := range strings.SplitSeq(v, ",") {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, strings.TrimSpace(o))
		}
	}
	if cfg.TrustedProxies, err = parsePrefixes(getenv(wire.EnvTrustedProxies)); err != nil {
		return Config{}, fmt.Errorf("%s: %w\nhint: list your proxies' addresses, e.g. %s=10.0.0.0/8,127.0.0.1", wire.EnvTrustedProxies, err, wire.EnvTrustedProxies)
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{wire.EnvReadTimeout, &cfg.ReadTimeout},
		{wire.EnvRenderTimeout, &cfg.RenderTimeout},
		{wire.EnvShutdownTimeout, &cfg.ShutdownTimeout},
	} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst <= 0 {
			return Config{}, fmt.Errorf("%s: %q is not a positive duration\nhint: write it like 30s or 2m", d.name, v)
		}
	}
	for _, b := range []struct {
		name string
		dst  *int64
	}{{wire.EnvMaxActionBytes, &cfg.MaxActionBytes}, {wire.EnvActionBytesInFlight, &cfg.ActionBytesInFlight}} {
		if v := getenv(b.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return Config{}, fmt.Errorf("%s: %q is not a positive byte count\nhint: write it in bytes, e.g. %s=1048576", b.name, v, b.name)
			}
			*b.dst = n
		}
	}
	if err := cdnFromEnv(getenv, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// parsePrefixes parses comma-separated IP addresses and CIDR prefixes; an
// address stands for itself alone.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if addr, err := netip.ParseAddr(s); err == nil {
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// listenAddr is where Main serves: HOST:PORT, by default every interface
// on port 3000.
func listenAddr(getenv func(string) string) string {
	return net.JoinHostPort(getenv(wire.EnvHost), envOr(getenv, wire.EnvPort, wire.DefaultPort))
}

// cachePath is the cache file Main opens: GOX_CACHE, by default
// .gox/cache.db.
func cachePath(getenv func(string) string) string {
	return envOr(getenv, wire.EnvCache, wire.DefaultCache)
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// StoreOptionsFromEnv reads the cache's bounds: GOX_CACHE_MAX_ENTRIES,
// GOX_CACHE_MAX_BYTES, their _PER_ROUTE forms,
// GOX_CACHE_MAX_NOT_FOUND_PER_ROUTE and GOX_CACHE_MEMORY_BYTES.
// Unset reads as 0, which sqlite.Open and tiered.New turn into their
// defaults; -1 means no bound (for the memory tier: none). It also reads
// GOX_CACHE_BUILD_RETENTION, how long the pages of a build no process
// runs any more are kept: a duration such as 24h, or -1 to keep them
// until they are evicted.
func StoreOptionsFromEnv(getenv func(string) string) (sqlite.Options, tiered.Options, error) {
	var o sqlite.Options
	var m tiered.Options
	var entries, routeEntries, routeNotFound int64
	for _, v := range []struct {
		name string
		dst  *int64
	}{
		{wire.EnvCacheMaxEntries, &entries},
		{wire.EnvCacheMaxBytes, &o.MaxBytes},
		{wire.EnvCacheRouteEntries, &routeEntries},
		{wire.EnvCacheRouteBytes, &o.MaxBytesPerRoute},
		{wire.EnvCacheRouteNotFound, &routeNotFound},
		{wire.EnvCacheMemoryBytes, &m.MemoryBytes},
	} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1 {
			return sqlite.Options{}, tiered.Options{}, fmt.Errorf("%s: %q is not a number of at least -1\nhint: give a whole number, or -1 for no bound", v.name, s)
		}
		*v.dst = n
	}
	if v := getenv(wire.EnvCacheBuildRetention); v == "-1" {
		o.BuildRetention = -1
	} else if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return sqlite.Options{}, tiered.Options{}, fmt.Errorf("%s: %q is not a positive duration or -1\nhint: write it like 24h, or -1 to keep old builds' pages until they are evicted", wire.EnvCacheBuildRetention, v)
		}
		o.BuildRetention = d
	}
	o.MaxEntries, o.MaxEntriesPerRoute = int(entries), int(routeEntries)
	o.MaxNotFoundPerRoute = int(routeNotFound)
	return o, m, nil
}

// newLogger logs text to w, or JSON with GOX_LOG=json, at GOX_LOG_LEVEL
// (debug, info, warn or error; default info) and above.
func newLogger(getenv func(string) string, w io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if v := getenv(wire.EnvLogLevel); v != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return nil, fmt.Errorf("%s: %q is not a log level\nhint: use debug, info, warn or error", wire.EnvLogLevel, v)
		}
		opts.Level = l
	}
	switch getenv(wire.EnvLog) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%s: %q is not a log format\nhint: use text or json", wire.EnvLog, getenv(wire.EnvLog))
}

// cdnFromEnv reads the CDN, metrics and inspector part of the
// configuration: GOX_METRICS_TOKEN, GOX_ADMIN_ADDR, GOX_CDN_KEYS, the purgers (GOX_PURGE_FASTLY_SERVICE and
// _TOKEN, GOX_PURGE_CLOUDFLARE_ZONE and _TOKEN, GOX_PURGE_VARNISH: base
// URLs, comma-separated). A purger turns on the header its CDN reads when
// GOX_CDN_KEYS is unset, and is an error when GOX_CDN_KEYS leaves it out.
func cdnFromEnv(getenv func(string) string, cfg *Config) error {
	cfg.MetricsToken, cfg.AdminAddr = getenv(wire.EnvMetricsToken), strings.TrimSpace(getenv(wire.EnvAdminAddr))
	if cfg.MetricsToken != "" && (cfg.MetricsToken == cfg.RevalidateToken || cfg.MetricsToken == cfg.DraftSecret) {
		return errors.New(wire.EnvMetricsToken + " is the same as another secret\nhint: use a secret of its own, so whoever reads the metrics cannot revalidate")
	}
	if cfg.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.AdminAddr); err != nil {
			return fmt.Errorf("%s: %q is not host:port\nhint: e.g. %s=127.0.0.1:9090", wire.EnvAdminAddr, cfg.AdminAddr, wire.EnvAdminAddr)
		}
	}
	keys, err := httpcache.ParseCDNKeys(getenv(wire.EnvCDNKeys))
	if err != nil {
		return fmt.Errorf("%s: %q: %w\nhint: %s=surrogate for Fastly and Varnish, cache-tag for Cloudflare", wire.EnvCDNKeys, getenv(wire.EnvCDNKeys), err, wire.EnvCDNKeys)
	}
	var need httpcache.CDNKeys
	pair := func(idName, tokenName string) (string, string, error) {
		id, token := strings.TrimSpace(getenv(idName)), getenv(tokenName)
		if (id == "") != (token == "") {
			return "", "", fmt.Errorf("%s and %s go together\nhint: set both, or neither", idName, tokenName)
		}
		return id, token, nil
	}
	id, token, err := pair(wire.EnvPurgeFastlyService, wire.EnvPurgeFastlyToken)
	if err != nil {
		return err
	}
	if id != "" {
		cfg.Purgers = append(cfg.Purgers, &fastly.Purger{ServiceID: id, Token: token})
		need |= httpcache.SurrogateKey
	}
	if id, token, err = pair(wire.EnvPurgeCloudflareZone, wire.EnvPurgeCloudflareToken); err != nil {
		return err
	}
	if id != "" {
		cfg.Purgers = append(cfg.Purgers, &cloudflare.Purger{ZoneID: id, Token: token})
		need |= httpcache.CacheTag
	}
	for v := range strings.SplitSeq(getenv(wire.EnvPurgeVarnish), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return fmt.Errorf("%s: %q is not an http:// or https:// address\nhint: list your Varnish servers, e.g. %s=http://10.0.0.5:6081,http://10.0.0.6:6081", wire.EnvPurgeVarnish, v, wire.EnvPurgeVarnish)
		}
		cfg.Purgers = append(cfg.Purgers, &varnish.Purger{URL: v})
		need |= httpcache.SurrogateKey
	}
	switch {
	case getenv(wire.EnvCDNKeys) == "":
		keys = need
	case keys&need != need:
		return fmt.Errorf("%s=%s leaves out a header a configured purger needs\nhint: Fastly and Varnish read Surrogate-Key, Cloudflare Cache-Tag; set %s=both, or leave it unset", wire.EnvCDNKeys, getenv(wire.EnvCDNKeys), wire.EnvCDNKeys)
	}
	cfg.CDNKeys = keys
	return nil
}
