package server

import "time"

// WaitWrites waits for the store writes of the renders done so far.
func (a *App) WaitWrites() { a.engine.WaitWrites() }

// SetSitemapLimits lowers the URLs and bytes of one generated sitemap
// file, so a test can split one without writing 50 MB.
func SetSitemapLimits(a *App, urls, bytes int) {
	a.sitemap.maxURLs, a.sitemap.maxBytes = urls, bytes
}

// SetStaticRetry sets how long a failed StaticParams waits before it runs
// again, so a test can see a recovery, or none, without waiting a second.
func SetStaticRetry(a *App, d time.Duration) { a.staticRetry = d }

// DevStaticBuilds returns how many times the development static files were
// read and compressed.
func DevStaticBuilds(a *App) int64 { return a.devStatic.builds.Load() }
