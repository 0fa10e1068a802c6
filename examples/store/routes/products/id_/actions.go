package product

import (
	"errors"
	"fmt"
	"strconv"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/store/shop"
)

// Actions are the forms of the product page.
var Actions = gox.Actions{"add-to-cart": AddToCart}

// AddToCart takes quantity items from stock, then revalidates the product
// page and the list, which show the stock. The buyer sees the new stock at
// once; other visitors get the old page until its regeneration lands a
// moment later.
func AddToCart(c *gox.Ctx) error {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return gox.NotFound
	}
	qty, err := strconv.Atoi(c.FormValue("quantity"))
	if err != nil || qty < 1 {
		return gox.Invalid(gox.FormErrors{"quantity": "Enter a quantity of at least 1."})
	}
	db, err := shop.Default()
	if err != nil {
		return err
	}
	switch err := db.Buy(c, id, qty); {
	case errors.Is(err, shop.ErrOutOfStock):
		return gox.Invalid(gox.FormErrors{"quantity": fmt.Sprintf("Only %s left.", stockLeft(c, db, id))})
	case errors.Is(err, shop.ErrNoProduct):
		return gox.NotFound
	case err != nil:
		return err
	}
	return gox.RevalidateTag(c, "product-"+c.Param("id"), "product-list")
}

func stockLeft(c *gox.Ctx, db *shop.DB, id int) string {
	p, err := db.Product(c, id)
	if err != nil {
		return "a few"
	}
	return strconv.Itoa(p.Stock)
}
