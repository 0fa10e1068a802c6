package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// rawDB opens the store's file directly, as a tool or a faulty disk would
// change it, bypassing the store.
func rawDB(t *testing.T, st *Store) *sql.DB {
	t.Helper()
	abs, err := filepath.Abs(st.path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn(abs, "_busy_timeout=10000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// page returns a valid entry for key with body, a compressed variant, a
// header and tags.
func page(key, body string, tags ...string) *cache.Entry {
	return &cache.Entry{
		Key:         key,
		Route:       key,
		Status:      http.StatusOK,
		Header:      http.Header{"Content-Type": {"text/html"}},
		Body:        []byte(body),
		Gzip:        []byte("gzip of " + body),
		ETag:        `"` + body + `"`,
		Sum:         xxhash.Sum64String(body),
		GeneratedAt: time.Now(),
		Tags:        tags,
	}
}

func TestCorruptRowIsNotServed(t *testing.T) {
	tests := []struct {
		name   string
		update string // applied to the row of /a
		args   []any
	}{
		{"body bytes flipped", "UPDATE entries SET body = ? WHERE key = '/a'", []any{[]byte("<h1>HELLO</h1>")}},
		{"stored length changed", "UPDATE entries SET length = length + 1 WHERE key = '/a'", nil},
		{"body truncated", "UPDATE entries SET body = substr(body, 1, 5) WHERE key = '/a'", nil},
		{"body gone", "UPDATE entries SET body = NULL WHERE key = '/a'", nil},
		{"checksum changed", "UPDATE entries SET sum = sum + 1 WHERE key = '/a'", nil},
		{"compressed body changed", "UPDATE entries SET gzip = ? WHERE key = '/a'", []any{[]byte("gzip of <h1>HELLO</h1>")}},
		{"header changed", "UPDATE entries SET header = ? WHERE key = '/a'", []any{encodeHeader(http.Header{"Set-Cookie": {"x"}})}},
		{"tags blob garbage", "UPDATE entries SET tags = x'ff' WHERE key = '/a'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			// Without a memory tier every Get reads the file.
			st := open(t, Options{})
			good := page("/a", "<h1>hello</h1>", "t")
			if err := st.Put(ctx, good); err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, page("/b", "other", "t")); err != nil {
				t.Fatal(err)
			}
			if _, err := rawDB(t, st).ExecContext(ctx, tt.update, tt.args...); err != nil {
				t.Fatal(err)
			}
			for name, read := range map[string]func(context.Context, string) (cache.Lookup, error){
				"Get": st.Get, "Reload": st.Reload,
			} {
				l, err := read(ctx, "/a")
				if !errors.Is(err, cache.ErrCorrupt) {
					t.Errorf("%s(/a) error = %v, want ErrCorrupt", name, err)
				}
				if l.Entry != nil {
					t.Errorf("%s(/a) returned an entry with its error: body %q", name, l.Entry.Body)
				}
			}
			if _, err := st.Get(ctx, "/b"); err != nil {
				t.Errorf("Get(/b) next to a corrupt row: %v", err)
			}
			if err := st.Put(ctx, good); err != nil {
				t.Fatal(err)
			}
			l, err := st.Get(ctx, "/a")
			if err != nil {
				t.Fatalf("Get(/a) after rewriting it: %v", err)
			}
			if string(l.Entry.Body) != "<h1>hello</h1>" {
				t.Errorf("Get(/a) body = %q, want the rewritten one", l.Entry.Body)
			}
		})
	}
}
