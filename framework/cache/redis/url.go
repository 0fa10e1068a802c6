package redis

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// IsURL reports whether s names a Redis store (GOX_CACHE=redis://...,
// rediss://... or unix://...) rather than a SQLite file.
func IsURL(s string) bool {
	for _, scheme := range []string{"redis://", "rediss://", "unix://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// ParseURL reads a Redis URL: redis://[user:password@]host:port/db,
// rediss:// for TLS, or unix:///path/to/redis.sock?db=N, with go-redis's
// query options (dial_timeout, read_timeout, ...) and gox's own prefix=NAME,
// which it returns apart (empty when absent). password is used when the
// URL carries none (GOX_REDIS_PASSWORD). Errors never repeat the password.
func ParseURL(raw, password string) (*goredis.Options, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", errors.New("redis URL: not a URL\nhint: write redis://host:6379/0, rediss://host:6380/0 or unix:///path/to/redis.sock")
	}
	q := u.Query()
	prefix := q.Get("prefix")
	q.Del("prefix")
	u.RawQuery = q.Encode()
	if _, set := u.User.Password(); !set && password != "" {
		name := ""
		if u.User != nil {
			name = u.User.Username()
		}
		u.User = url.UserPassword(name, password)
	}
	opts, err := goredis.ParseURL(u.String())
	if err != nil {
		if pw, ok := u.User.Password(); ok {
			password = pw
		}
		return nil, "", fmt.Errorf("redis URL %s: %s\nhint: write redis://host:6379/0, rediss://host:6380/0 or unix:///path/to/redis.sock", u.Redacted(), redact(err.Error(), password))
	}
	if strings.ContainsAny(prefix, "{}") {
		return nil, "", fmt.Errorf("redis URL %s: prefix %q: braces are not allowed", u.Redacted(), prefix)
	}
	return opts, prefix, nil
}

// redact removes password from a message.
func redact(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}
