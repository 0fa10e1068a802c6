package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gox "github.com/goxweb/gox/framework"
	"github.com/goxweb/gox/framework/cache/sqlite"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gox-store-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("SHOP_DB", filepath.Join(dir, "shop.db"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func serveStore(t *testing.T) string {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := gox.New(routeTable, gox.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close(); st.Close() })
	return srv.URL
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func buy(c *http.Client, base, id, qty string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/products/"+id+"?/add-to-cart", strings.NewReader("quantity="+qty))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestConcurrentBuyersNeverOversell is the seed's scenario: 50 buyers at
// once for a product with 10 in stock.
func TestConcurrentBuyersNeverOversell(t *testing.T) {
	base := serveStore(t)
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if _, b := get(t, plain, base+"/products/1"); !strings.Contains(b, "10 in stock") {
		t.Fatalf("product 1 should start with 10 in stock:\n%s", b)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for range 50 {
		wg.Go(func() {
			code, err := buy(plain, base, "1", "1")
			if err != nil {
				t.Error(err)
			}
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[303] != 10 || count[422] != 40 {
		t.Fatalf("answers %v, want 10 x 303 and 40 x 422", count)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := get(t, plain, base+"/products/1")
		if strings.Contains(b, "0 in stock") && strings.Contains(b, "Sold out") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("page never showed 0 in stock:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBuyerSeesTheNewStock: the buyer's redirected GET shows the new stock
// at once; a 422 shows the error and keeps what was typed.
func TestBuyerSeesTheNewStock(t *testing.T) {
	base := serveStore(t)
	jar, _ := cookiejar.New(nil)
	buyer := &http.Client{Jar: jar}
	get(t, buyer, base+"/products/2")
	get(t, buyer, base+"/") // the list is cached too
	req, _ := http.NewRequest(http.MethodPost, base+"/products/2?/add-to-cart", strings.NewReader("quantity=2"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := buyer.Do(req) // follows the 303
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.Method != http.MethodGet || !strings.Contains(string(b), "3 in stock") {
		t.Fatalf("after buying 2 of 5: %s\n%s", resp.Request.Method, b)
	}
	if _, list := get(t, buyer, base+"/"); !strings.Contains(list, "3 in stock") {
		t.Fatalf("the list does not show the buyer's write:\n%s", list)
	}
	req, _ = http.NewRequest(http.MethodPost, base+"/products/2?/add-to-cart", strings.NewReader("quantity=0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = buyer.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "Enter a quantity of at least 1.") || !strings.Contains(string(b), `value="0"`) {
		t.Fatalf("quantity 0: %d\n%s", resp.StatusCode, b)
	}
}
