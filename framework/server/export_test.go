package server

// WaitWrites waits for the store writes of the renders done so far.
func (a *App) WaitWrites() { a.engine.WaitWrites() }
