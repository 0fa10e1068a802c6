// Package product is the store's product page: /products/{id}.
package product

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/store/shop"
)

// Revalidate: a product page stays fresh for an hour; a purchase
// revalidates it at once through its tag.
const Revalidate = time.Hour

// Tags: the page shows product {id}, and the list links to it.
func Tags(p gox.Params) []string { return []string{"product-" + p.Get("id"), "product-list"} }

// StaticParams prerenders every product at build time.
func StaticParams(ctx context.Context) ([]gox.Params, error) {
	db, err := shop.Default()
	if err != nil {
		return nil, err
	}
	products, err := db.Products(ctx)
	if err != nil {
		return nil, err
	}
	params := make([]gox.Params, len(products))
	for i, p := range products {
		params[i] = gox.Params{"id": strconv.Itoa(p.ID)}
	}
	return params, nil
}

// Head titles the page with the product and describes it for search
// engines and link previews, with its offer as JSON-LD.
func Head(p shop.Product) gox.Head {
	return gox.Head{
		Title:       p.Name,
		Description: p.Description,
		Type:        "product",
		JSONLD: map[string]any{
			"@context": "https://schema.org", "@type": "Product", "name": p.Name, "description": p.Description,
			"offers": map[string]any{
				"@type": "Offer", "priceCurrency": "USD", "price": fmt.Sprintf("%d.%02d", p.PriceCents/100, p.PriceCents%100),
			},
		},
	}
}

// Load reads the product; an unknown or malformed id is a (cached) 404.
func Load(c *gox.Ctx) (shop.Product, error) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil || id < 1 || strconv.Itoa(id) != c.Param("id") {
		return shop.Product{}, gox.NotFound
	}
	db, err := shop.Default()
	if err != nil {
		return shop.Product{}, err
	}
	p, err := db.Product(c, id)
	if errors.Is(err, shop.ErrNoProduct) {
		return shop.Product{}, gox.NotFound
	}
	return p, err
}
