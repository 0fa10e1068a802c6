package item

import (
	"context"
	"os"
	"strconv"
	"time"

	gox "github.com/goxweb/gox/framework"
)

const Revalidate = time.Hour

func StaticParams(ctx context.Context) ([]gox.Params, error) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("GOX_BIGAPP_PAGES")); err == nil {
		n = v
	}
	out := make([]gox.Params, n)
	for i := range out {
		out[i] = gox.Params{"id": strconv.Itoa(i)}
	}
	return out, nil
}

func Load(c *gox.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return 0, gox.NotFound
	}
	return n, nil
}
