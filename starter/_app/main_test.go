package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/goxweb/gox/framework/cache/memory"
	"github.com/goxweb/gox/framework/server"
)

// serve starts the app on a test server with an in-memory cache.
func serve(t *testing.T) *httptest.Server {
	t.Helper()
	app, err := server.New(routeTable, server.Config{Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	return srv
}

func TestHomeIsCached(t *testing.T) {
	srv := serve(t)
	for _, want := range []string{"MISS", "HIT"} {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Gox-Cache"); got != want {
			t.Fatalf("X-Gox-Cache = %s, want %s", got, want)
		}
		if !strings.Contains(string(body), "Welcome to gox") {
			t.Fatalf("home page:\n%s", body)
		}
	}
}

func TestWave(t *testing.T) {
	srv := serve(t)
	form := url.Values{"times": {"2"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hello/tester?/wave", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	resp, err := http.DefaultClient.Do(req) // follows the 303 to the page
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "2 waves so far") {
		t.Fatalf("after waving twice:\n%s", body)
	}
}
