package head_test

import (
	"fmt"

	"github.com/goxweb/gox/framework/head"
)

func Example() {
	layout := head.Head{Title: "Shop", TitleTemplate: "%s | Shop"}
	page := head.Head{Title: "Gopher mug"}
	h := head.Resolve(head.Merge(layout, page), "https://shop.example", "/products/1")
	fmt.Println(h.Title)
	fmt.Println(h.Canonical)
	// Output:
	// Gopher mug | Shop
	// https://shop.example/products/1
}
