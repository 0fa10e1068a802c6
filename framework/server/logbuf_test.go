package server_test

import (
	"github.com/goxweb/gox/internal/syncbuf"
)

// syncBuffer collects log lines written by other goroutines.
type syncBuffer struct{ syncbuf.Buffer }
