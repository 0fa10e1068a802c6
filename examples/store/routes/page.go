// Package routes is the store's home page: the product list.
package routes

import (
	"time"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/store/shop"
)

// Revalidate keeps the list fresh for a minute; buying revalidates it at
// once through the product-list tag.
const Revalidate = 60 * time.Second

// Tags: the list shows every product's stock.
var Tags = []string{"product-list"}

// Load reads the products.
func Load(c *gox.Ctx) ([]shop.Product, error) {
	db, err := shop.Default()
	if err != nil {
		return nil, err
	}
	return db.Products(c)
}
