package isr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/isr"
)

func TestFailureBackoffGrowsExponentially(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t, "")
	e := newEngine(t, st, isr.Options{RetryBase: time.Hour, RetryMax: 5 * time.Hour})
	p := &page{body: "good"}
	j := job(e, "/grow", p)
	serve(t, e, j)
	p.set(func(p *page) {
		p.fail = func() (isr.Result, error) { return isr.Result{}, errors.New("upstream down") }
	})
	// Regenerate renders whatever the backoff, so each call adds one
	// consecutive failure.
	for i, want := range []time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour, 5 * time.Hour, 5 * time.Hour} {
		before := time.Now()
		if _, err := e.Regenerate(ctx, j); err == nil {
			t.Fatalf("failure %d: Regenerate succeeded, want an error", i+1)
		}
		after := time.Now()
		l, err := st.Get(ctx, "/grow")
		if err != nil {
			t.Fatal(err)
		}
		// The failure was recorded between before and after, which brackets
		// its backoff whatever the time the render took.
		lo, hi := l.Entry.RetryAt.Sub(after), l.Entry.RetryAt.Sub(before)
		if l.Entry.Failures != i+1 || want < lo || want > hi {
			t.Fatalf("failure %d: Failures %d, backoff in [%v, %v]; want %d, %v", i+1, l.Entry.Failures, lo, hi, i+1, want)
		}
		if string(l.Entry.Body) != "good /grow" {
			t.Fatalf("failure %d: body %q, want the last good page", i+1, l.Entry.Body)
		}
	}
}
