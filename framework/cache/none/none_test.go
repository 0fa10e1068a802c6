package none

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

func TestKeepsNothing(t *testing.T) {
	ctx := context.Background()
	e := &cache.Entry{Key: "/", Route: "/", Status: 200, Body: []byte("<h1>home</h1>"), Tags: []string{"t"}, GeneratedAt: time.Now()}
	tests := []struct {
		name string
		call func(s *Store) error
		want error // nil: no error
	}{
		{"Put", func(s *Store) error { return s.Put(ctx, e) }, nil},
		{"Put without key", func(s *Store) error { return s.Put(ctx, &cache.Entry{}) }, errAny},
		{"Put with a wrong sum", func(s *Store) error {
			bad := *e
			bad.Sum = 1
			return s.Put(ctx, &bad)
		}, cache.ErrCorrupt},
		{"Get after Put", func(s *Store) error {
			if err := s.Put(ctx, e); err != nil {
				return err
			}
			_, err := s.Get(ctx, "/")
			return err
		}, cache.ErrNotFound},
		{"SetMeta", func(s *Store) error { return s.SetMeta(ctx, "/", cache.Meta{}) }, cache.ErrNotFound},
		{"Delete", func(s *Store) error { return s.Delete(ctx, "/") }, nil},
		{"InvalidateTags", func(s *Store) error {
			keys, err := s.InvalidateTags(ctx, []string{"t"}, time.Now(), cache.Stale)
			if len(keys) != 0 {
				return errors.New("covered keys")
			}
			return err
		}, nil},
		{"InvalidatePaths", func(s *Store) error {
			keys, err := s.InvalidatePaths(ctx, []string{"/"}, time.Now(), cache.Expire)
			if len(keys) != 0 {
				return errors.New("covered keys")
			}
			return err
		}, nil},
		{"Stats", func(s *Store) error {
			st, err := s.Stats(ctx)
			if st != (cache.Stats{}) {
				return errors.New("non-zero stats")
			}
			return err
		}, nil},
		{"Get when closed", func(s *Store) error {
			s.Close()
			_, err := s.Get(ctx, "/")
			return err
		}, cache.ErrClosed},
		{"Put when closed", func(s *Store) error { s.Close(); return s.Put(ctx, e) }, cache.ErrClosed},
		{"InvalidateTags when closed", func(s *Store) error {
			s.Close()
			_, err := s.InvalidateTags(ctx, []string{"t"}, time.Now(), cache.Stale)
			return err
		}, cache.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(New("read-only"))
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.want == errAny && err == nil:
				t.Error("no error, want one")
			case tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// errAny stands for any error in the table above.
var errAny = errors.New("any error")

func TestReason(t *testing.T) {
	if got := New("the folder is read-only").Reason(); got != "the folder is read-only" {
		t.Errorf("Reason() = %q", got)
	}
}

func TestHealth(t *testing.T) {
	st := New("the folder is read-only")
	if err := st.Health(); err == nil || !strings.Contains(err.Error(), "the folder is read-only") {
		t.Errorf("Health() = %v, want the reason", err)
	}
	st.Close()
	if err := st.Health(); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Health() after Close = %v", err)
	}
}
