package browsertest

import "time"

// SetTimeout sets how long tests drive their browser, until the returned
// func restores it.
func SetTimeout(d time.Duration) (restore func()) {
	old := timeout
	timeout = d
	return func() { timeout = old }
}
