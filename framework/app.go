package gox

// App is a gox application: its routes, cache and server.
type App struct{}

type actionState struct{}
