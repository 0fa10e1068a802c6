package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/server"
	"github.com/goxweb/gox/framework/webhook"
)

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "gox-webhook-test")
	os.Setenv("TRACKER_DB", filepath.Join(dir, "tracker.db"))
	os.Setenv("WEBHOOK_SECRET", "hook-secret")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestSignedWebhookRevalidates(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cache.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	app, err := server.New(routeTable, server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	page := func() (string, string) {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Gox-Cache"), string(b)
	}
	deliver := func(sig, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/webhook", strings.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	page()
	if state, _ := page(); state != "HIT" {
		t.Fatalf("static page: %s, want HIT", state)
	}
	// A new issue each run: the tracker database outlives a run under
	// go test -count=N.
	n := time.Now().UnixNano() % 1_000_000_000
	body := fmt.Sprintf(`{"action":"opened","issue":{"number":%d,"title":"Webhooks revalidate","state":"open"}}`, n)
	for _, sig := range []string{"", "sha256=00", webhook.Sign([]byte("wrong"), []byte(body))} {
		if code := deliver(sig, body); code != 401 {
			t.Fatalf("signature %q: %d, want 401", sig, code)
		}
	}
	want := fmt.Sprintf("#%d Webhooks revalidate (open)", n)
	if _, b := page(); strings.Contains(b, want) {
		t.Fatal("an unsigned delivery changed the page")
	}
	if code := deliver(webhook.Sign([]byte("hook-secret"), []byte(body)), body); code != 204 {
		t.Fatalf("signed delivery: %d, want 204", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, b := page(); strings.Contains(b, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the page never showed the new issue")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
