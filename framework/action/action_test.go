package action_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/action"
	"github.com/goxweb/gox/internal/httperr"
)

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"/add-to-cart", "add-to-cart", true},
		{"/add-to-cart&x=1", "add-to-cart", true},
		{"/a_b9", "a_b9", true},
		{"", "", false},
		{"/", "", false},
		{"add-to-cart", "", false},
		{"/Add", "", false},
		{"/a b", "", false},
		{"/a%2fb", "", false},
		{"/" + strings.Repeat("a", 65), "", false},
		{"/../x", "", false},
	}
	for _, tt := range tests {
		got, ok := action.Name(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Name(%q) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
	if got := action.URL("buy"); got != "?/buy" {
		t.Errorf("URL = %q", got)
	}
}

func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		host    string
		remote  string
		tls     bool
		headers map[string]string
		cfg     action.OriginConfig
		ok      bool
	}{
		{"same origin", "shop.test", "", false, map[string]string{"Origin": "http://shop.test"}, action.OriginConfig{}, true},
		{"same origin, explicit default port", "shop.test", "", false, map[string]string{"Origin": "http://shop.test:80"}, action.OriginConfig{}, true},
		{"same origin with port", "127.0.0.1:3000", "", false, map[string]string{"Origin": "http://127.0.0.1:3000"}, action.OriginConfig{}, true},
		{"host case", "Shop.Test", "", false, map[string]string{"Origin": "http://shop.test"}, action.OriginConfig{}, true},
		{"https", "shop.test", "", true, map[string]string{"Origin": "https://shop.test"}, action.OriginConfig{}, true},
		{"https page, http origin", "shop.test", "", true, map[string]string{"Origin": "http://shop.test"}, action.OriginConfig{}, false},
		{"port mismatch", "127.0.0.1:3000", "", false, map[string]string{"Origin": "http://127.0.0.1:4000"}, action.OriginConfig{}, false},
		{"allowed origin", "shop.test", "", false, map[string]string{"Origin": "https://admin.test"}, action.OriginConfig{AllowedOrigins: []string{"https://admin.test"}}, true},
		{"foreign origin", "shop.test", "", false, map[string]string{"Origin": "https://evil.test"}, action.OriginConfig{}, false},
		{"null origin", "shop.test", "", false, map[string]string{"Origin": "null"}, action.OriginConfig{}, false},
		{"malformed: no host", "shop.test", "", false, map[string]string{"Origin": "http://"}, action.OriginConfig{}, false},
		{"malformed: space", "shop.test", "", false, map[string]string{"Origin": "http://a b"}, action.OriginConfig{}, false},
		{"malformed: javascript", "shop.test", "", false, map[string]string{"Origin": "javascript:alert(1)"}, action.OriginConfig{}, false},
		{"malformed: path", "shop.test", "", false, map[string]string{"Origin": "http://shop.test/x"}, action.OriginConfig{}, false},
		{"malformed: userinfo", "shop.test", "", false, map[string]string{"Origin": "http://u@shop.test"}, action.OriginConfig{}, false},
		{"no origin, same-origin fetch", "shop.test", "", false, map[string]string{"Sec-Fetch-Site": "same-origin"}, action.OriginConfig{}, true},
		{"no origin, cross-site", "shop.test", "", false, map[string]string{"Sec-Fetch-Site": "cross-site"}, action.OriginConfig{}, false},
		{"no origin, same-site", "shop.test", "", false, map[string]string{"Sec-Fetch-Site": "same-site"}, action.OriginConfig{}, false},
		{"no origin, none", "shop.test", "", false, map[string]string{"Sec-Fetch-Site": "none"}, action.OriginConfig{}, false},
		{"neither header", "shop.test", "", false, nil, action.OriginConfig{}, false},
		{"cross-site even with same-origin Origin? origin wins", "shop.test", "", false, map[string]string{"Origin": "http://shop.test", "Sec-Fetch-Site": "cross-site"}, action.OriginConfig{}, true},
		{"spoofed X-Forwarded-Host from an untrusted peer", "shop.test", "203.0.113.9:5000", false,
			map[string]string{"Origin": "https://evil.test", "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "https"}, action.OriginConfig{TrustedProxies: proxy}, false},
		{"X-Forwarded-Host from a trusted proxy", "internal:3000", "10.1.2.3:5000", false,
			map[string]string{"Origin": "https://shop.test", "X-Forwarded-Host": "shop.test", "X-Forwarded-Proto": "https"}, action.OriginConfig{TrustedProxies: proxy}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/p?/a", nil)
			r.Host = tt.host
			if tt.remote != "" {
				r.RemoteAddr = tt.remote
			}
			r.TLS = nil
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			err := action.CheckOrigin(r, tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckOrigin = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (httperr.StatusCode(err) != 403 || !errors.Is(err, action.ErrForbidden)) {
				t.Fatalf("refusal %v: status %d, want 403", err, httperr.StatusCode(err))
			}
		})
	}
}

// formServer answers with the parsed form or the refusal's status.
func formServer(t *testing.T, limit int64) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := action.ParseForm(w, r, limit)
		if err != nil {
			http.Error(w, err.Error(), httperr.StatusCode(err))
			return
		}
		fmt.Fprintf(w, "%s|%s", v.Get("quantity"), r.Method)
	}))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestParseForm(t *testing.T) {
	t.Parallel()
	srv := formServer(t, 1024)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("quantity", "3")
	mw.Close()
	tests := []struct {
		name, ctype, body string
		header            map[string]string
		wantStatus        int
		wantBody          string
	}{
		{"urlencoded", "application/x-www-form-urlencoded", "quantity=2", nil, 200, "2|POST"},
		{"multipart", mw.FormDataContentType(), mp.String(), nil, 200, "3|POST"},
		{"method override ignored", "application/x-www-form-urlencoded", "quantity=2&_method=DELETE",
			map[string]string{"X-HTTP-Method-Override": "DELETE", "X-Method-Override": "PUT"}, 200, "2|POST"},
		{"too large", "application/x-www-form-urlencoded", "quantity=" + strings.Repeat("9", 2000), nil, 413, ""},
		{"malformed urlencoded", "application/x-www-form-urlencoded", "quantity=%zz", nil, 400, ""},
		{"malformed multipart", "multipart/form-data; boundary=xyz", "--xyz\r\nbroken", nil, 400, ""},
		{"multipart without boundary", "multipart/form-data", "x", nil, 400, ""},
		{"json", "application/json", `{"quantity":2}`, nil, 415, ""},
		{"no content type", "", "quantity=2", nil, 415, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/p?/buy", strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || (tt.wantBody != "" && string(b) != tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, b, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestParseFormSlowBody(t *testing.T) {
	t.Parallel()
	srv := formServer(t, 1<<20)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /p?/buy HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nquantity=")
	// Send the rest slower than the server's read timeout allows.
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			done <- nil
			return
		}
		done <- resp
	}()
	for i := 0; i < 20; i++ {
		select {
		case resp := <-done:
			if resp != nil && resp.StatusCode < 400 {
				t.Fatalf("slow body accepted: %d", resp.StatusCode)
			}
			return
		case <-time.After(100 * time.Millisecond):
			conn.Write([]byte("1"))
		}
	}
	t.Fatal("handler still waiting for a slow body after 2 s")
}

func TestSubmission(t *testing.T) {
	t.Parallel()
	fe := action.FormErrors{}
	if fe.Any() {
		t.Fatal("empty errors report Any")
	}
	fe.Add("quantity", "too many")
	if !fe.Has("quantity") || fe.Get("quantity") != "too many" || !fe.Any() {
		t.Fatalf("FormErrors = %v", fe)
	}
	ve := action.Invalid(fe)
	if httperr.StatusCode(ve) != 422 {
		t.Fatalf("ValidationError status = %d", httperr.StatusCode(ve))
	}
	var nilSub *action.Submission
	if nilSub.Value("x") != "" {
		t.Fatal("nil submission has a value")
	}
}
