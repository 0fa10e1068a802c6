package gen

import (
	"testing"
	"time"
)

func TestRevalidateString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		page *Page
		want string
	}{
		{&Page{}, "on demand"},
		{&Page{HasRevalidate: true}, "every request"},
		{&Page{HasRevalidate: true, Revalidate: 10 * time.Second}, "10s"},
		{&Page{HasRevalidate: true, Revalidate: 30 * time.Second}, "30s"},
		{&Page{HasRevalidate: true, Revalidate: 60 * time.Second}, "1m"},
		{&Page{HasRevalidate: true, Revalidate: 90 * time.Second}, "1m30s"},
		{&Page{HasRevalidate: true, Revalidate: 10 * time.Minute}, "10m"},
		{&Page{HasRevalidate: true, Revalidate: time.Hour}, "1h"},
		{&Page{HasRevalidate: true, Revalidate: time.Hour + 30*time.Second}, "1h0m30s"},
		{&Page{HasRevalidate: true, Revalidate: 90 * time.Minute}, "1h30m"},
		{&Page{HasRevalidate: true, Revalidate: 1500 * time.Millisecond}, "1.5s"},
		{&Page{HasRevalidate: true, Revalidate: 20 * time.Hour}, "20h"},
	}
	for _, tt := range tests {
		if got := tt.page.RevalidateString(); got != tt.want {
			t.Errorf("RevalidateString(%v) = %q, want %q", tt.page.Revalidate, got, tt.want)
		}
	}
}
