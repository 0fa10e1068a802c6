package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

// seed10k stores 10,000 entries carrying the tag "bulk".
func seed10k(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	for i := range 10_000 {
		e := &cache.Entry{Key: fmt.Sprintf("/bulk/%d", i), Route: "/bulk/{n}", Status: http.StatusOK,
			Header: http.Header{}, Body: []byte("x"), GeneratedAt: time.Now(), Tags: []string{"bulk"}, BuildID: "dev"}
		if err := h.store.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}
