package syncbuf_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/goxweb/gox/internal/syncbuf"
)

func Example() {
	var log syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { logger.Info("rendered") })
	}
	wg.Wait()
	fmt.Println(strings.Count(log.String(), "msg=rendered"))
	// Output: 3
}
