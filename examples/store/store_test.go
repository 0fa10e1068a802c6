package main

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache"
	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/server"

	"github.com/goxweb/gox/examples/store/shop"
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
	base, _ := serveStoreCache(t)
	return base
}

// serveStoreCache serves the shop, restocked, and returns its URL and its
// page cache. Tests buy from the one shop database of the process, so each
// starts from the seeded stock (go test -count=N runs them again).
func serveStoreCache(t *testing.T) (string, *sqlite.Store) {
	t.Helper()
	db, err := shop.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Restock(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.New(routeTable, server.Config{Store: st, Origin: storeOrigin, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close(); st.Close() })
	return srv.URL, st
}

// storeOrigin is the store's canonical origin in tests, as GOX_ORIGIN
// sets it in production: canonical links and the sitemap's URLs use it.
// Plain http, so the test clients send the read-your-writes cookie back.
const storeOrigin = "http://store.example"

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

// TestSecondRequestIsAHit: each page is rendered once, then served from
// the cache with its own freshness for CDNs, and stored with its tags so
// that a purchase can revalidate it.
func TestSecondRequestIsAHit(t *testing.T) {
	base, st := serveStoreCache(t)
	tests := []struct {
		name, path   string
		cacheControl string
		tags         []string
	}{
		{"list", "/", "public, max-age=0, s-maxage=60, stale-while-revalidate=31536000", []string{"product-list"}},
		{"product", "/products/1", "public, max-age=0, s-maxage=3600, stale-while-revalidate=31536000", []string{"product-1", "product-list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies []string
			for i, want := range []string{"MISS", "HIT"} {
				resp, b := get(t, http.DefaultClient, base+tt.path)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Gox-Cache") != want {
					t.Fatalf("request %d: %d %s, want 200 %s", i, resp.StatusCode, resp.Header.Get("X-Gox-Cache"), want)
				}
				if got := resp.Header.Get("Cache-Control"); got != tt.cacheControl {
					t.Errorf("request %d: Cache-Control = %q, want %q", i, got, tt.cacheControl)
				}
				bodies = append(bodies, b)
			}
			if bodies[0] != bodies[1] {
				t.Errorf("the HIT body differs from the MISS body")
			}
			// A MISS is served before its entry is written: wait for the write.
			var infos []cache.Info
			for deadline := time.Now().Add(10 * time.Second); len(infos) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				var err error
				if infos, err = st.List(context.Background(), cache.Filter{Prefix: tt.path, Limit: 1}); err != nil {
					t.Fatal(err)
				}
			}
			if len(infos) != 1 || infos[0].Key != tt.path {
				t.Fatalf("cache entries from %s: %+v, want %s", tt.path, infos, tt.path)
			}
			if got := infos[0].Tags; !slices.Equal(got, tt.tags) {
				t.Errorf("stored tags = %q, want %q", got, tt.tags)
			}
		})
	}
}

// TestUnbundledAssets runs the store as go test builds it, without gox
// build's bundle: the page links assets/app.css under a name hashed from
// its bytes, that URL serves the file as it is, and the app says once
// that its assets are not bundled.
func TestUnbundledAssets(t *testing.T) {
	var logs strings.Builder
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.New(routeTable, server.Config{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close(); st.Close() })
	if n := strings.Count(logs.String(), "assets are not bundled"); n != 1 || !strings.Contains(logs.String(), "use gox build") {
		t.Fatalf("%d warnings in the log:\n%s", n, logs.String())
	}
	_, page := get(t, http.DefaultClient, srv.URL+"/")
	css, err := os.ReadFile("assets/app.css")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(css)
	url := "/_gox/assets/app-" + base32.StdEncoding.EncodeToString(sum[:5]) + ".css"
	if !strings.Contains(page, `href="`+url+`"`) {
		t.Fatalf("the page does not link %s:\n%s", url, page)
	}
	resp, body := get(t, http.DefaultClient, srv.URL+url)
	if resp.StatusCode != 200 || string(body) != string(css) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: %d %s\n%s", url, resp.StatusCode, resp.Header, body)
	}
}

// TestProductsAPI: /api/products is a cached JSON endpoint: a MISS, then
// HITs and 304s, and a purchase revalidates it through the product-list
// tag like the list page.
func TestProductsAPI(t *testing.T) {
	base := serveStore(t)
	type product struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Price string `json:"price"`
		Stock int    `json:"stock"`
	}
	list := func(want string) []product {
		t.Helper()
		resp, body := get(t, http.DefaultClient, base+"/api/products")
		if resp.StatusCode != 200 || (want != "" && resp.Header.Get("X-Gox-Cache") != want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET /api/products: %d %s %s, want 200 %s JSON", resp.StatusCode, resp.Header.Get("X-Gox-Cache"), resp.Header.Get("Content-Type"), want)
		}
		var ps []product
		if err := json.Unmarshal([]byte(body), &ps); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return ps
	}
	ps := list("MISS")
	if len(ps) != 6 || ps[2] != (product{3, "Coffee mug", "$14.00", 40}) {
		t.Fatalf("products: %+v", ps)
	}
	list("HIT")
	req, _ := http.NewRequest(http.MethodGet, base+"/api/products", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req.Header.Set("If-None-Match", resp.Header.Get("Etag"))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %v %v; want 304", resp, err)
	}
	resp.Body.Close()
	// The buyer reads their own write at once: from the read-your-writes
	// cookie the purchase set (RYW), or from the regeneration the purchase
	// started, when it landed first (HIT); others shortly after.
	jar, _ := cookiejar.New(nil)
	buyer := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if code, err := buy(buyer, base, "3", "5"); err != nil || code != http.StatusSeeOther {
		t.Fatalf("buy: %d %v", code, err)
	}
	resp, body := get(t, buyer, base+"/api/products")
	if state := resp.Header.Get("X-Gox-Cache"); (state != "RYW" && state != "HIT") || !strings.Contains(body, `"name":"Coffee mug","price":"$14.00","stock":35`) {
		t.Fatalf("the buyer's GET: %s %s; want the new stock, RYW", resp.Header.Get("X-Gox-Cache"), body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for list("")[2].Stock != 35 {
		if time.Now().After(deadline) {
			t.Fatal("the API never showed the purchase")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSitemap: with an origin, the store serves /sitemap.xml listing the
// home page and every product StaticParams lists, and robots.txt points at
// it.
func TestSitemap(t *testing.T) {
	base := serveStore(t)
	resp, body := get(t, http.DefaultClient, base+"/sitemap.xml")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("GET /sitemap.xml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var set struct {
		URLs []string `xml:"url>loc"`
	}
	if err := xml.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	want := []string{storeOrigin + "/"}
	for i := 1; i <= 6; i++ {
		want = append(want, storeOrigin+"/products/"+strconv.Itoa(i))
	}
	if !slices.Equal(set.URLs, want) {
		t.Fatalf("sitemap URLs %q, want %q", set.URLs, want)
	}
	if resp, _ := get(t, http.DefaultClient, base+"/sitemap.xml"); resp.Header.Get("X-Gox-Cache") != "HIT" {
		t.Fatalf("second GET: %s, want HIT", resp.Header.Get("X-Gox-Cache"))
	}
	if _, robots := get(t, http.DefaultClient, base+"/robots.txt"); !strings.HasSuffix(robots, "\nSitemap: "+storeOrigin+"/sitemap.xml\n") {
		t.Fatalf("robots.txt: %q", robots)
	}
}
