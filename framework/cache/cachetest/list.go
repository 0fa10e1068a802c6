package cachetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goxweb/gox/framework/cache"
)

func testList(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	lister := optional[cache.Lister](t, st)
	p1 := entry("/products/1", "product-1", "products")
	p1.Route = "/products/{id}"
	p2 := entry("/products/2", "product-2", "products")
	p2.Route = "/products/{id}"
	p2.Gzip = []byte("gzip")
	p2.LastError = "load: timeout"
	list := entry("/products?page=2", "products")
	list.Route = "/products"
	put(t, st, entry("/", "home"), list, p2, p1, entry("/productsale"), entry("/about"))

	tests := []struct {
		name string
		f    cache.Filter
		want []string // in order
	}{
		{"everything ordered by key", cache.Filter{}, []string{"/", "/about", "/products/1", "/products/2", "/products?page=2", "/productsale"}},
		{"prefix", cache.Filter{Prefix: "/products/"}, []string{"/products/1", "/products/2"}},
		{"prefix of several keys", cache.Filter{Prefix: "/product"}, []string{"/products/1", "/products/2", "/products?page=2", "/productsale"}},
		{"tag", cache.Filter{Tag: "products"}, []string{"/products/1", "/products/2", "/products?page=2"}},
		{"route", cache.Filter{Route: "/products/{id}"}, []string{"/products/1", "/products/2"}},
		{"limit", cache.Filter{Limit: 2}, []string{"/", "/about"}},
		{"all filters", cache.Filter{Prefix: "/products", Tag: "products", Route: "/products/{id}", Limit: 1}, []string{"/products/1"}},
		{"tag and prefix", cache.Filter{Prefix: "/products?", Tag: "products"}, []string{"/products?page=2"}},
		{"no match", cache.Filter{Tag: "missing"}, nil},
		{"prefix without match", cache.Filter{Prefix: "/z"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			infos, err := lister.List(ctx, tt.f)
			if err != nil {
				t.Fatalf("List(%+v): %v", tt.f, err)
			}
			if d := cmp.Diff(tt.want, infoKeys(infos), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("List(%+v) keys mismatch (-want +got):\n%s", tt.f, d)
			}
		})
	}

	if _, err := st.InvalidateTags(ctx, []string{"product-2"}, at(time.Hour), cache.Expire); err != nil {
		t.Fatal(err)
	}
	infos, err := lister.List(ctx, cache.Filter{Prefix: "/products/2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("List(/products/2) = %d entries, want 1", len(infos))
	}
	got := infos[0]
	if got.AccessedAt.IsZero() {
		t.Errorf("Info.AccessedAt is zero, want the time of the last write or read")
	}
	want := cache.Info{
		Key:         "/products/2",
		Route:       "/products/{id}",
		ETag:        p2.ETag,
		BuildID:     p2.BuildID,
		LastError:   p2.LastError,
		Status:      p2.Status,
		Size:        p2.Size(),
		Tags:        p2.Tags,
		GeneratedAt: p2.GeneratedAt,
		FreshUntil:  p2.FreshUntil,
		AccessedAt:  got.AccessedAt,
		ExpiredAt:   at(time.Hour),
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", d)
	}
}

func testStats(t *testing.T, open func(t *testing.T) cache.Store) {
	ctx := context.Background()
	st := open(t)
	lister := optional[cache.Lister](t, st)
	a := entry("/a", "x", "y")
	a.Gzip = []byte("0123456789")
	b := entry("/b", "y")
	c := entry("/c")
	c.Brotli = []byte("br")
	bigger := withBody(b, "a body longer than the first render of /b")
	bigger.Tags = []string{"y", "z"}
	steps := []struct {
		name string
		do   func() error
		want cache.Stats
	}{
		{"empty", func() error { return nil }, cache.Stats{}},
		{"three entries", func() error {
			for _, e := range []*cache.Entry{a, b, c} {
				if err := st.Put(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}, cache.Stats{Entries: 3, Bytes: a.Size() + b.Size() + c.Size(), Tags: 2}},
		{"replace", func() error { return st.Put(ctx, bigger) },
			cache.Stats{Entries: 3, Bytes: a.Size() + bigger.Size() + c.Size(), Tags: 3}},
		{"meta does not change sizes", func() error { return st.SetMeta(ctx, "/a", cache.Meta{GeneratedAt: at(time.Hour), BuildID: a.BuildID}) },
			cache.Stats{Entries: 3, Bytes: a.Size() + bigger.Size() + c.Size(), Tags: 3}},
		{"delete", func() error { return st.Delete(ctx, "/a") },
			cache.Stats{Entries: 2, Bytes: bigger.Size() + c.Size(), Tags: 2}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := lister.Stats(ctx)
		if err != nil {
			t.Fatalf("%s: Stats: %v", s.name, err)
		}
		if got != s.want {
			t.Errorf("%s: Stats = %+v, want %+v", s.name, got, s.want)
		}
	}
}
