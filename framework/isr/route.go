package isr

// Route is a route's handle in the engine, made once by Engine.Register and
// carried by each Job of the route.
type Route struct {
	// Name is the route pattern; the Observer gets it.
	Name   string
	render Render
}
