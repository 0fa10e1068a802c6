package signed

import "testing"

func TestCookie(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		maxAge int
		secure bool
		want   string
	}{
		{"plain", 30, false, "n=v; Path=/; Max-Age=30; HttpOnly; SameSite=Lax"},
		{"https", 30, true, "n=v; Path=/; Max-Age=30; HttpOnly; Secure; SameSite=Lax"},
		{"delete", -1, false, "n=v; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"},
	} {
		got := Cookie("n", "v", tt.maxAge, tt.secure).String()
		if got != tt.want {
			t.Errorf("%s: Cookie = %q, want %q", tt.name, got, tt.want)
		}
	}
}
