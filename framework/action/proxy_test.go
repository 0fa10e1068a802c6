package action_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/goxweb/gox/framework/action"
)

func TestIsHTTPSAndClientAddr(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, remote, proto, xff string
		https                    bool
		client                   string
	}{
		{"direct", "192.0.2.1:5000", "", "", false, "192.0.2.1"},
		{"untrusted peer claims https", "192.0.2.1:5000", "https", "198.51.100.7", false, "192.0.2.1"},
		{"trusted proxy", "10.0.0.2:5000", "https", "198.51.100.7", true, "198.51.100.7"},
		{"trusted proxy, http", "10.0.0.2:5000", "http", "", false, "10.0.0.2"},
		{"two proxies, spoofed first hop", "10.0.0.2:5000", "https", "203.0.113.9, 198.51.100.7, 10.0.0.3", true, "198.51.100.7"},
		{"garbage hop", "10.0.0.2:5000", "", "nonsense", false, "10.0.0.2"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := action.IsHTTPS(r, proxies); got != tt.https {
			t.Errorf("%s: IsHTTPS = %v, want %v", tt.name, got, tt.https)
		}
		if got := action.ClientAddr(r, proxies); got != netip.MustParseAddr(tt.client) {
			t.Errorf("%s: ClientAddr = %v, want %s", tt.name, got, tt.client)
		}
	}
}
