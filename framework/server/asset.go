package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/goxweb/gox/framework/assets"
	"github.com/goxweb/gox/framework/page"
)

// AssetURL returns the URL of the bundled asset name ("app.css"): in
// production named by content hash.
func (a *App) AssetURL(name string) string {
	if a.assets != nil {
		return a.assets.URL(name)
	}
	return assets.Prefix + "missing/" + name
}

// buildAssets bundles the app's assets once at start. The bundle's hash
// joins the build id: pages rendered with other asset URLs go stale.
func (a *App) buildAssets(routes page.Routes) error {
	var err error
	switch {
	case a.cfg.AssetsDir != "":
		// Bundled per request (below), so a broken asset never stops the
		// app from starting.
		a.assets = assets.DevNames()
		return nil
	case routes.Assets != nil:
		a.assets, err = assets.BuildFS(routes.Assets, !a.cfg.Dev)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("gox: %w", err)
	}
	if len(a.assets.Files()) > 0 {
		a.cfg.BuildID += "+" + a.assets.Hash()
	}
	return nil
}

// mountAssets serves the bundle; from an AssetsDir it bundles again for
// each request (only what changed), so an edited stylesheet is served at
// once. gox dev answers asset requests itself and never gets here.
func (a *App) mountAssets(e *echo.Echo) error {
	if a.assets == nil {
		return nil
	}
	var h http.Handler = a.assets.Handler(!a.cfg.Dev)
	if a.cfg.AssetsDir != "" {
		builder, err := assets.NewBuilder(a.cfg.AssetsDir)
		if err != nil {
			return fmt.Errorf("gox: %w", err)
		}
		a.devAssets = builder
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := builder.Build()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			b.Handler(false).ServeHTTP(w, r)
		})
	}
	e.GET(assets.Prefix+"*", echo.WrapHandler(h))
	e.HEAD(assets.Prefix+"*", echo.WrapHandler(h))
	return nil
}
