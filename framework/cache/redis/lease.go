package redis

import (
	"context"
	"time"
)

// Lease takes key's regeneration lease for owner with SET NX PX, or
// renews it when owner holds it already; it reports whether owner holds
// it now. A holder that dies stops renewing, and the lease is free ttl
// after its last renewal. The lease is this handle's build's: another
// build regenerates its own row of key under a lease of its own.
func (s *Store) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	done, err := s.enter()
	if err != nil {
		return false, err
	}
	defer done()
	n, err := leaseScript.Run(ctx, s.rdb, []string{s.keys.lease(s.opts.BuildID, key)}, owner, max(ttl.Milliseconds(), 1)).Int()
	if err != nil {
		return false, wrap("lease", key, err)
	}
	return n == 1, nil
}

// Release gives up owner's lease on key; another owner's lease is kept.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	if err := releaseScript.Run(ctx, s.rdb, []string{s.keys.lease(s.opts.BuildID, key)}, owner).Err(); err != nil {
		return wrap("release", key, err)
	}
	return nil
}
