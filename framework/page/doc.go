// Package page is gox's page contract and the runtime that generated code
// calls: the route table (Routes, Page, Handler), what Load and actions
// receive (Ctx, Params), and the adapters gox_routes.go uses to wire a
// page's exported names (PageWithLoad, StaticTags, Sub).
//
// Page authors import package gox (github.com/goxweb/gox/framework), which
// names the parts they write against; this package is what gox_routes.go
// and the server share. It knows nothing of the cache or of serving.
package page
