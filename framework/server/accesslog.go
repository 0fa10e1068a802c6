package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/goxweb/gox/framework/route"
	"github.com/goxweb/gox/internal/wire"
)

// accessLogFromEnv reads GOX_ACCESS_LOG: 1 logs every request, 0 or unset
// none.
func accessLogFromEnv(v string) (bool, error) {
	switch v {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is not 0 or 1\nhint: %s=1 logs one line per request", wire.EnvAccessLog, v, wire.EnvAccessLog)
}

// accessLog logs one line per request after it is answered: method, path,
// status, cache state (X-Gox-Cache), body bytes and duration. The query
// is left out (a draft token travels in one) and the path is cut at the
// longest one gox answers, so no request makes a long line.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &accessRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "gox request",
				slog.String("method", logMethod(r.Method)), slog.String("path", logPath(r.URL.Path)), slog.Int("status", status),
				slog.String("cache", w.Header().Get("X-Gox-Cache")), slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(rec, r)
	})
}

// maxLogMethod bounds a method in a log line: net/http accepts any token
// up to its header limit as one, and the longest standard method
// (OPTIONS, CONNECT) and WebDAV's (PROPPATCH) are far shorter.
const maxLogMethod = 16

// logMethod returns the request method r as a log line holds it: cut
// past maxLogMethod bytes, so no request makes a long line.
func logMethod(m string) string {
	if len(m) > maxLogMethod {
		return m[:maxLogMethod] + "..."
	}
	return m
}

// logPath returns the request path p as a log line holds it: cut at the
// longest path gox answers.
func logPath(p string) string {
	if len(p) > route.MaxPathLength {
		return p[:route.MaxPathLength] + "..."
	}
	return p
}

// accessRecorder notes the status and body bytes a handler writes.
type accessRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *accessRecorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *accessRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush sends what was written so far, as the writer below does.
func (r *accessRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer below.
func (r *accessRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
