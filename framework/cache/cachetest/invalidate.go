package cachetest

import (
	"context"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
)

func testInvalidateTags(t *testing.T, open func(t *testing.T) cache.Store) {
	stamp := at(time.Hour)
	tests := []struct {
		name string
		tags []string
		mode cache.Mode
		want []string // covered keys; the others must report no stamp
	}{
		{"one entry", []string{"x"}, cache.Stale, []string{"/a"}},
		{"shared tag", []string{"y"}, cache.Stale, []string{"/a", "/b?page=2"}},
		{"several tags", []string{"x", "z"}, cache.Expire, []string{"/a", "/c"}},
		{"overlapping tags report each key once", []string{"x", "y"}, cache.Stale, []string{"/a", "/b?page=2"}},
		{"unknown tag", []string{"nope"}, cache.Expire, nil},
		{"no tags", nil, cache.Stale, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			all := []string{"/a", "/b?page=2", "/c", "/d"}
			put(t, st, entry("/a", "x", "y"), entry("/b?page=2", "y"), entry("/c", "z"), entry("/d"))
			keys, err := st.InvalidateTags(ctx, tt.tags, stamp, tt.mode)
			if err != nil {
				t.Fatalf("InvalidateTags: %v", err)
			}
			if len(keys) != len(tt.want) {
				t.Errorf("InvalidateTags returned %d keys %q, want %d", len(keys), keys, len(tt.want))
			}
			if d := keysDiff(tt.want, keys); d != "" {
				t.Errorf("InvalidateTags keys mismatch (-want +got):\n%s", d)
			}
			checkStamps(t, st, all, tt.want, stamp, tt.mode)
		})
	}
}

func testInvalidatePaths(t *testing.T, open func(t *testing.T) cache.Store) {
	stamp := at(time.Hour)
	tests := []struct {
		name  string
		paths []string
		mode  cache.Mode
		want  []string
	}{
		{"path covers its queries", []string{"/posts"}, cache.Stale, []string{"/posts", "/posts?page=2", "/posts?page=3"}},
		{"root", []string{"/"}, cache.Expire, []string{"/"}},
		{"nested path only", []string{"/posts/1"}, cache.Stale, []string{"/posts/1"}},
		{"query-only keys without the bare path", []string{"/search"}, cache.Stale, []string{"/search?q=go"}},
		{"several paths", []string{"/", "/postsx", "/missing"}, cache.Expire, []string{"/", "/postsx"}},
		{"no paths", nil, cache.Stale, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			all := []string{"/", "/posts", "/posts?page=2", "/posts?page=3", "/posts/1", "/postsx", "/search?q=go"}
			for _, k := range all {
				put(t, st, entry(k))
			}
			keys, err := st.InvalidatePaths(ctx, tt.paths, stamp, tt.mode)
			if err != nil {
				t.Fatalf("InvalidatePaths: %v", err)
			}
			if d := keysDiff(tt.want, keys); d != "" {
				t.Errorf("InvalidatePaths keys mismatch (-want +got):\n%s", d)
			}
			checkStamps(t, st, all, tt.want, stamp, tt.mode)
		})
	}
}

// checkStamps checks that Get and Reload report stamp in mode m for the
// covered keys and no stamp for the other keys of all.
func checkStamps(t *testing.T, st cache.Store, all, covered []string, stamp time.Time, m cache.Mode) {
	t.Helper()
	for _, k := range all {
		var want stamps
		for _, c := range covered {
			if c == k {
				want = modeStamps(stamp, m)
			}
		}
		if got := stampsOf(get(t, st, k)); got != want {
			t.Errorf("Get(%q) stamps = %+v, want %+v", k, got, want)
		}
		if got := stampsOf(reload(t, st, k)); got != want {
			t.Errorf("Reload(%q) stamps = %+v, want %+v", k, got, want)
		}
	}
}

// modeStamps returns the stamps an invalidation at t in mode m reports.
func modeStamps(t time.Time, m cache.Mode) stamps {
	if m == cache.Expire {
		return stamps{ExpiredAt: t}
	}
	return stamps{RevalidatedAt: t}
}

func testStampsMax(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	put(t, st, entry("/p?page=1", "x", "y"), entry("/q", "x"))
	steps := []struct {
		name  string
		tags  []string
		paths []string
		at    time.Time
		mode  cache.Mode
		want  stamps // for /p?page=1 after the step
		keys  []string
	}{
		{"tag", []string{"x"}, nil, at(time.Minute), cache.Stale, stamps{RevalidatedAt: at(time.Minute)}, []string{"/p?page=1", "/q"}},
		{"newer path wins", nil, []string{"/p"}, at(3 * time.Minute), cache.Stale, stamps{RevalidatedAt: at(3 * time.Minute)}, []string{"/p?page=1"}},
		{"older tag does not lower the stamp", []string{"y"}, nil, at(2 * time.Minute), cache.Stale, stamps{RevalidatedAt: at(3 * time.Minute)}, []string{"/p?page=1"}},
		{"expire is reported apart", []string{"y"}, nil, at(4 * time.Minute), cache.Expire, stamps{RevalidatedAt: at(3 * time.Minute), ExpiredAt: at(4 * time.Minute)}, []string{"/p?page=1"}},
		{"older expire of the same tag is ignored", []string{"y"}, nil, at(time.Minute), cache.Expire, stamps{RevalidatedAt: at(3 * time.Minute), ExpiredAt: at(4 * time.Minute)}, []string{"/p?page=1"}},
		{"newest stamp by nanoseconds", []string{"x"}, nil, at(3*time.Minute + 1), cache.Stale, stamps{RevalidatedAt: at(3*time.Minute + 1), ExpiredAt: at(4 * time.Minute)}, []string{"/p?page=1", "/q"}},
	}
	for _, s := range steps {
		var keys []string
		var err error
		if s.tags != nil {
			keys, err = st.InvalidateTags(ctx, s.tags, s.at, s.mode)
		} else {
			keys, err = st.InvalidatePaths(ctx, s.paths, s.at, s.mode)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if d := keysDiff(s.keys, keys); d != "" {
			t.Errorf("%s: keys mismatch (-want +got):\n%s", s.name, d)
		}
		if got := stampsOf(get(t, st, "/p?page=1")); got != s.want {
			t.Errorf("%s: Get stamps = %+v, want %+v", s.name, got, s.want)
		}
		if got := stampsOf(reload(t, st, "/p?page=1")); got != s.want {
			t.Errorf("%s: Reload stamps = %+v, want %+v", s.name, got, s.want)
		}
	}
	if got, want := stampsOf(get(t, st, "/q")), (stamps{RevalidatedAt: at(3*time.Minute + 1)}); got != want {
		t.Errorf("Get(/q) stamps = %+v, want %+v", got, want)
	}
}

func testStampsPersist(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	if _, err := st.InvalidateTags(ctx, []string{"x"}, at(time.Minute), cache.Stale); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InvalidatePaths(ctx, []string{"/n"}, at(2*time.Minute), cache.Expire); err != nil {
		t.Fatal(err)
	}
	later := entry("/n?page=4", "x")
	later.GeneratedAt = at(time.Hour)
	put(t, st, later, entry("/other", "y"))

	want := stamps{RevalidatedAt: at(time.Minute), ExpiredAt: at(2 * time.Minute)}
	if got := stampsOf(get(t, st, "/n?page=4")); got != want {
		t.Errorf("Get stamps = %+v, want %+v", got, want)
	}
	if got := stampsOf(reload(t, st, "/n?page=4")); got != want {
		t.Errorf("Reload stamps = %+v, want %+v", got, want)
	}
	if got := stampsOf(get(t, st, "/other")); got != (stamps{}) {
		t.Errorf("Get(/other) stamps = %+v, want zero", got)
	}
	l, ok := st.(cache.Lister)
	if !ok {
		return
	}
	infos, err := l.List(ctx, cache.Filter{Prefix: "/n"})
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("List(Prefix: /n) = %d entries, want 1", len(infos))
	}
	if got := (stamps{infos[0].RevalidatedAt, infos[0].ExpiredAt}); got != want {
		t.Errorf("List stamps = %+v, want %+v", got, want)
	}
}
