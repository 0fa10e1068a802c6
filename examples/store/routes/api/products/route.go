// Package products is the store's product list as JSON: /api/products,
// cached by gox like a page and revalidated with it.
package products

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/examples/store/shop"
)

// Revalidate keeps the JSON fresh for a minute; a purchase revalidates it
// at once through the product-list tag, as it does the list page.
const Revalidate = time.Minute

// Tags: the JSON shows every product's stock.
var Tags = []string{"product-list"}

// product is one product as the API shows it.
type product struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Price string `json:"price"`
	Stock int    `json:"stock"`
}

// GET answers the product list. It runs once per regeneration, not per
// request, and sees the cache key alone (no cookie, no header).
func GET(c echo.Context) error {
	db, err := shop.Default()
	if err != nil {
		return err
	}
	list, err := db.Products(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]product, len(list))
	for i, p := range list {
		out[i] = product{ID: p.ID, Name: p.Name, Price: shop.Price(p.PriceCents), Stock: p.Stock}
	}
	return c.JSON(http.StatusOK, out)
}
