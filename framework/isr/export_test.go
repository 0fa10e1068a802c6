package isr

// RetryNow makes the retry of key, failing with no good entry, due now.
func RetryNow(e *Engine, key string) {
	if f, ok := e.failures.GetIfPresent(key); ok {
		e.failures.Set(key, &failure{n: f.n, err: f.err})
	}
}
