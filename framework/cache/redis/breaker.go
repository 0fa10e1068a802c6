package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// breaker is a go-redis hook that sends every command through a circuit
// breaker: after Options.BreakerFailures consecutive failures (timeouts,
// refused connections) commands fail at once with ErrUnavailable for
// Options.BreakerOpen, then one probes Redis again. A Redis that does not
// answer then costs a request nothing, rather than a timeout each.
type breaker struct {
	cb      *gobreaker.TwoStepCircuitBreaker[struct{}]
	timeout time.Duration // Options.CommandTimeout
}

func newBreaker(opts Options, log *slog.Logger, reconnected func()) *breaker {
	return &breaker{timeout: opts.CommandTimeout, cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Timeout:     opts.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= opts.BreakerFailures },
		// A reply from Redis, even an error reply, says Redis is there.
		IsSuccessful: func(err error) bool {
			var reply goredis.Error
			return err == nil || errors.Is(err, goredis.Nil) || errors.As(err, &reply)
		},
		// A caller that gave up says nothing about Redis.
		IsExcluded: func(err error) bool {
			var ne net.Error
			return errors.Is(err, context.Canceled) && !errors.As(err, &ne)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			switch to {
			case gobreaker.StateOpen:
				if from == gobreaker.StateClosed {
					log.Warn("gox cache: Redis is unreachable; serving the memory tier and rendering uncached until it is back",
						"retry_every", opts.BreakerOpen)
				}
			case gobreaker.StateClosed:
				log.Info("gox cache: Redis is reachable again")
				reconnected()
			}
		},
	})}
}

// unavailable wraps the breaker's refusal.
func unavailable(err error) error { return fmt.Errorf("%w: %w", ErrUnavailable, err) }

// DialHook is go-redis's dial, unchanged: dials happen inside commands.
func (b *breaker) DialHook(next goredis.DialHook) goredis.DialHook { return next }

// unguarded are the commands the breaker lets through uncounted: those a
// new connection sends inside the command that dialed it (the half-open
// breaker lets one command through, and would refuse them, failing that
// very probe), and the stream reader's blocking XREAD, which waits by
// design.
var unguarded = map[string]bool{"hello": true, "auth": true, "select": true, "client": true, "readonly": true, "xread": true}

// ProcessHook runs one command through the breaker, within the command
// timeout, go-redis's retry included: the retry on another connection
// after a broken one (a restarted Redis) costs nothing, while one after a
// timeout would double the wait on a hung Redis.
func (b *breaker) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if unguarded[cmd.Name()] {
			return next(ctx, cmd)
		}
		done, err := b.cb.Allow()
		if err != nil {
			return unavailable(err)
		}
		ctx, cancel := context.WithTimeout(ctx, b.timeout)
		defer cancel()
		err = next(ctx, cmd)
		done(err)
		return err
	}
}

// ProcessPipelineHook runs a pipeline through the breaker as one command,
// unless it holds only unguarded commands (a new connection's SELECT and
// CLIENT SETNAME go as one pipeline).
func (b *breaker) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if !slices.ContainsFunc(cmds, func(c goredis.Cmder) bool { return !unguarded[c.Name()] }) {
			return next(ctx, cmds)
		}
		done, err := b.cb.Allow()
		if err != nil {
			return unavailable(err)
		}
		err = next(ctx, cmds)
		done(err)
		return err
	}
}
