// Package gox is what a gox page author writes against: the page contract,
// the helpers templ components call, the revalidation verbs and Run.
//
// A page is a folder under routes/ holding a templ component named Page
// and, next to it, Go code exporting any of:
//
//	const Revalidate = 10 * time.Minute           // fresh for 10 minutes; absent: until revalidated; gox.Dynamic: never cached
//	func Tags(p gox.Params) []string              // or var Tags = []string{...}: the data the page depends on
//	func Load(c *gox.Ctx) (Product, error)        // the props of Page; gox.NotFound, gox.Redirect(url) or an error
//	func StaticParams(ctx context.Context) ([]gox.Params, error) // the params gox build prerenders
//	const DynamicParams = false                   // params StaticParams did not list are a 404
//	var Query = []string{"page"}                  // query parameters that are part of the cache key
//	var Actions = gox.Actions{"add-to-cart": AddToCart} // forms posted to the page
//
// gox generates gox_routes.go from the folder tree; main.go calls
// gox.Run(routeTable). A cached page's Load sees only its params and the
// query values listed in Query, never the request, so every visitor gets
// the same HTML: revalidate it when its data changes with RevalidateTag or
// RevalidatePath, from an action, a handler or anywhere in the program.
//
// See docs/routing.md for the contract and docs/isr.md for the cache.
package gox
