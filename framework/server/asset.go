package server

import (
	"fmt"

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

// buildAssets loads the app's assets once at start, without bundling or
// writing anything: the bundle gox build embedded (Routes.Assets holds its
// manifest), or else the raw assets/ folder, with a warning. The bundle's
// hash joins the build id: pages rendered with other asset URLs go stale.
// With an AssetsDir, gox dev bundles and serves the assets; pages link
// development names.
func (a *App) buildAssets(routes page.Routes) error {
	switch {
	case a.cfg.AssetsDir != "":
		a.assets = assets.DevNames()
		return nil
	case routes.Assets == nil:
		return nil
	}
	b, bundled, err := assets.Open(routes.Assets)
	if err != nil {
		return fmt.Errorf("gox: %w", err)
	}
	if !bundled {
		a.log.Warn("gox: assets are not bundled (not built by gox build): serving assets/ as is, TypeScript uncompiled; use gox build")
	}
	a.assets = b
	if len(b.Files()) > 0 {
		a.cfg.BuildID += "+" + b.Hash()
	}
	return nil
}

// mountAssets serves the bundle under assets.Prefix. With an AssetsDir it
// serves nothing: gox dev answers asset requests itself.
func (a *App) mountAssets(e router) error {
	if a.assets == nil || a.cfg.AssetsDir != "" {
		return nil
	}
	h := echo.WrapHandler(a.assets.Handler(!a.cfg.Dev))
	e.GET(assets.Prefix+"*", h)
	e.HEAD(assets.Prefix+"*", h)
	return nil
}
