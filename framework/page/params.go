package page

// Params are the values of a route's parameters, by name: for the pattern
// "/products/{id}" and the path "/products/7", Params{"id": "7"}.
// A catch-all parameter holds the rest of the path, slashes included.
type Params map[string]string

// Get returns the value of the parameter name, or "" if it has none.
func (p Params) Get(name string) string { return p[name] }
