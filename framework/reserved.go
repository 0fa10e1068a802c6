package gox

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// mountReserved wires the /_gox/ endpoints.
func (a *App) mountReserved(e *echo.Echo) {
	e.Any("/_gox/*", func(c echo.Context) error {
		a.writeStatus(c.Response(), c.Request(), http.StatusNotFound)
		return nil
	})
}

// serveAction runs a server action posted to a page.
func (a *App) serveAction(c echo.Context) error {
	a.writeStatus(c.Response(), c.Request(), http.StatusMethodNotAllowed)
	return nil
}

// draftState returns "BYPASS" for a request in draft mode, else "".
func (a *App) draftState(*http.Request) string { return "" }

// actionState is what an action's Ctx carries besides a render's.
type actionState struct{}
