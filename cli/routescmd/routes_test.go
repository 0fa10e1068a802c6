package routescmd_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/goxweb/gox/cli/gen"
	"github.com/goxweb/gox/cli/routescmd"
)

// TestPrintTableHandlers: a cached handler shows its revalidate and tags,
// a plain one its methods alone.
func TestPrintTableHandlers(t *testing.T) {
	t.Parallel()
	table := &gen.Table{Handlers: []*gen.Handler{
		{Pattern: "/api/products", Methods: []string{"GET", "POST"}, HasRevalidate: true, Revalidate: time.Minute, Tags: "slice", StaticTags: []string{"product-list"}},
		{Pattern: "/api/products/{id}", Methods: []string{"GET"}, Tags: "func"},
		{Pattern: "/api/webhook", Methods: []string{"POST"}},
	}}
	var b bytes.Buffer
	if err := routescmd.PrintTable(&b, table, nil); err != nil {
		t.Fatal(err)
	}
	const want = `ROUTE               KIND            REVALIDATE  TAGS          ACTIONS
/api/products       cached handler  1m          product-list  [GET POST]
/api/products/{id}  cached handler  on demand   (func)        [GET]
/api/webhook        handler         -                         [POST]
`
	if got := b.String(); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}
