package redis

import (
	"errors"
	"fmt"

	"github.com/sony/gobreaker/v2"

	"github.com/goxweb/gox/framework/cache"
)

var _ cache.HealthReporter = (*Store)(nil)

// Health reports what the store's own calls have seen, without I/O: an
// error wrapping ErrUnavailable while the circuit breaker finds Redis
// unreachable (open, or probing it again), and while invalidations made
// meanwhile still wait in the outbox.
func (s *Store) Health() error {
	if s.closed.Load() {
		return cache.ErrClosed
	}
	if st := s.brk.cb.State(); st != gobreaker.StateClosed {
		return fmt.Errorf("%w: the circuit breaker is %s: serving the memory tier, rendering uncached", ErrUnavailable, st)
	}
	if s.queued.Load() {
		return errors.New("redis: invalidations made while Redis was unreachable wait in the outbox")
	}
	return nil
}
