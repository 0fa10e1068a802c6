package isr_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goxweb/gox/framework/cache/sqlite"
	"github.com/goxweb/gox/framework/isr"
	"github.com/goxweb/gox/framework/route"
)

func exampleDir() string {
	d, _ := os.MkdirTemp("", "gox-isr-example")
	return d
}

// TestHelperProcess is a second OS process for the multi-process tests; it
// does nothing unless GOX_ISR_HELPER is set.
func TestHelperProcess(t *testing.T) {
	db := os.Getenv("GOX_ISR_HELPER")
	if db == "" {
		return
	}
	log := os.Getenv("GOX_ISR_RENDER_LOG")
	st, err := sqlite.Open(db, sqlite.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := isr.New(isr.Options{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	render := func(ctx context.Context, key route.Key, _ map[string]string) (isr.Result, error) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return isr.Result{}, err
		}
		f.WriteString(os.Getenv("GOX_ISR_NAME") + "\n")
		f.Close()
		time.Sleep(300 * time.Millisecond) // long enough for the other process to try too
		return isr.Result{Status: http.StatusOK, Body: []byte("new"), Revalidate: time.Hour}, nil
	}
	shared, err := e.Register("/shared", render)
	if err != nil {
		t.Fatal(err)
	}
	j := isr.Job{Route: shared, Key: "/shared"}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { e.Serve(context.Background(), j) })
	}
	wg.Wait()
	// Keep asking until this process sees the regenerated page.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ent, _, err := e.Serve(context.Background(), j)
		if err == nil && string(ent.Body) == "new" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.Close()
}

func TestTwoProcessesRegenerateAStaleKeyOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "cache.db")
	renders := filepath.Join(dir, "renders.log")
	// Seed a stale entry.
	st := openStore(t, db)
	e := newEngine(t, st, isr.Options{})
	p := &page{body: "old", fresh: time.Millisecond}
	serve(t, e, job(e, "/shared", p))
	e.Close()
	time.Sleep(5 * time.Millisecond)

	var cmds []*exec.Cmd
	for _, name := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "GOX_ISR_HELPER="+db, "GOX_ISR_RENDER_LOG="+renders, "GOX_ISR_NAME="+name)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process: %v", err)
		}
	}
	b, err := os.ReadFile(renders)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Fields(string(b)); len(lines) != 1 {
		t.Fatalf("renders across two processes = %v, want exactly 1", lines)
	}
}
