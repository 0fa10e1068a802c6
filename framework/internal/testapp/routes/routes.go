// Package routes holds Load functions that fail, in a folder named like
// an app's routes/, for the tests of the development error page: it
// points at the line of the app's code where a failure happened.
package routes

import (
	"errors"

	"github.com/goxweb/gox/framework/page"
)

// FailingLoad is a page's Load that returns an error whose message holds
// HTML.
func FailingLoad(*page.Ctx) (string, error) {
	return "", errors.New(`stock service said <script>alert("down")</script>`)
}

// PanickingLoad is a page's Load that panics, on PanicLine, with HTML in
// the panic's value.
func PanickingLoad(c *page.Ctx) (string, error) {
	sku := "<b>sku</b>" + c.Param("sku")
	panic("no stock for " + sku)
}

// PanicLine is the line of PanickingLoad that panics.
const PanicLine = 22

// FailingLoadLine is the line FailingLoad is declared on.
const FailingLoadLine = 14
