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
// does nothing unless GOX_ISR_HELPER is set. It writes its name to
// GOX_ISR_READY_DIR when its requests are in flight, and its renders wait
// until every process named in GOX_ISR_PEERS has done so, so that the
// processes' requests overlap whatever the machine's speed.
func TestHelperProcess(t *testing.T) {
	db := os.Getenv("GOX_ISR_HELPER")
	if db == "" {
		return
	}
	log := os.Getenv("GOX_ISR_RENDER_LOG")
	ready := os.Getenv("GOX_ISR_READY_DIR")
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
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if n, _ := os.ReadDir(ready); len(n) == len(strings.Fields(os.Getenv("GOX_ISR_PEERS"))) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond) // the other process's requests are waiting now
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
	time.Sleep(50 * time.Millisecond)
	os.WriteFile(filepath.Join(ready, os.Getenv("GOX_ISR_NAME")), nil, 0o644)
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

// runHelpers runs two helper processes on the cache file db and returns
// the names of the processes that rendered, one per render.
func runHelpers(t *testing.T, db string) []string {
	t.Helper()
	dir := t.TempDir()
	renders := filepath.Join(dir, "renders.log")
	ready := filepath.Join(dir, "ready")
	if err := os.Mkdir(ready, 0o755); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for _, name := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "GOX_ISR_HELPER="+db, "GOX_ISR_RENDER_LOG="+renders, "GOX_ISR_NAME="+name,
			"GOX_ISR_READY_DIR="+ready, "GOX_ISR_PEERS=a b")
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
	return strings.Fields(string(b))
}

func TestTwoProcessesRegenerateAStaleKeyOnce(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "cache.db")
	// Seed a stale entry.
	st := openStore(t, db)
	e := newEngine(t, st, isr.Options{})
	p := &page{body: "old", fresh: time.Millisecond}
	serve(t, e, job(e, "/shared", p))
	e.Close()
	time.Sleep(5 * time.Millisecond)

	if renders := runHelpers(t, db); len(renders) != 1 {
		t.Fatalf("renders across two processes = %v, want exactly 1", renders)
	}
}

// TestTwoProcessesRenderAColdMissOnce: 100 requests in each of two
// processes for a page nothing has rendered yet render it once: the
// process that takes the lease renders, the other waits for its entry.
func TestTwoProcessesRenderAColdMissOnce(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "cache.db")
	if renders := runHelpers(t, db); len(renders) != 1 {
		t.Fatalf("renders across two processes = %v, want exactly 1", renders)
	}
}
