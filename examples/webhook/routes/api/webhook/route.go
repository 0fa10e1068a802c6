// Package webhook receives signed issue events (GitHub's format) and
// revalidates the issue list.
package webhook

import (
	"encoding/json"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"

	gox "github.com/goxweb/gox/framework"

	"github.com/goxweb/gox/examples/webhook/tracker"
)

// event is the part of an issue event the tracker reads.
type event struct {
	Action string        `json:"action"`
	Issue  tracker.Issue `json:"issue"`
}

// POST verifies the signature with $WEBHOOK_SECRET, stores the issue and
// revalidates the list. Unsigned or mis-signed deliveries change nothing.
func POST(c echo.Context) error {
	body, err := gox.ReadSignedBody(c.Request(), []byte(os.Getenv("WEBHOOK_SECRET")), 1<<20)
	if err != nil {
		return echo.NewHTTPError(gox.StatusCode(err), "bad signature")
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Issue.Number < 1 || ev.Issue.Title == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "want an issue event")
	}
	db, err := tracker.Default()
	if err != nil {
		return err
	}
	if err := db.Upsert(c.Request().Context(), ev.Issue); err != nil {
		return err
	}
	if err := gox.RevalidateTag(c.Request().Context(), "issues"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
