package cloudflare_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goxweb/gox/framework/purge/cloudflare"
)

// apiCall is what the local Cloudflare API saw of one request.
type apiCall struct {
	Method, Path, Auth, Type string
	Tags                     []string
}

// fakeAPI is a local HTTP server standing in for Cloudflare's API, which
// is remote: it records each request and answers with answer.
func fakeAPI(t *testing.T, status int, answer string) (string, func() []apiCall) {
	var mu sync.Mutex
	var calls []apiCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("body %q: %v", body, err)
		}
		mu.Lock()
		calls = append(calls, apiCall{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), req.Tags})
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []apiCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]apiCall(nil), calls...)
	}
}

func TestPurgeRequests(t *testing.T) {
	t.Parallel()
	url, calls := fakeAPI(t, 200, `{"success":true,"errors":[],"messages":[],"result":{"id":"9a7806061c88ada191ed06f989cc3dac"}}`)
	p := &cloudflare.Purger{ZoneID: "023e105f4ecef8ad9ca31a8372d0c353", Token: "secret-token", Endpoint: url}
	if err := p.Purge(context.Background(), []string{"product-1", "gox-overflow"}, true); err != nil {
		t.Fatal(err)
	}
	want := []apiCall{{"POST", "/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache", "Bearer secret-token", "application/json", []string{"product-1", "gox-overflow"}}}
	if d := cmp.Diff(want, calls()); d != "" {
		t.Errorf("API calls (-want +got):\n%s", d)
	}
	if p.Name() != "cloudflare" || p.MaxKeys() != 100 {
		t.Errorf("Name %q, MaxKeys %d", p.Name(), p.MaxKeys())
	}
}

func TestPurgeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, answer string
		status       int
		want         string
	}{
		{"refused", `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`, 200, "error 10000: Authentication error"},
		{"not JSON", `<html>`, 200, "bad answer"},
		{"HTTP error", `{"success":false}`, 403, "HTTP 403"},
		{"no errors listed", `{"success":false}`, 200, "success is false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, _ := fakeAPI(t, tt.status, tt.answer)
			p := &cloudflare.Purger{ZoneID: "z", Token: "secret-token", Endpoint: url}
			err := p.Purge(context.Background(), []string{"k"}, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret-token") {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
