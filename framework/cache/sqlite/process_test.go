package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxweb/gox/framework/cache"
)

// The tests in this file run real processes on one file: the test binary
// runs itself with -test.run=TestHelperProcess and these variables set.
const (
	helperRole = "GOX_CACHE_HELPER_ROLE"
	helperDB   = "GOX_CACHE_HELPER_DB"
	helperAt   = "GOX_CACHE_HELPER_AT" // Unix ns of the stamp a role writes or waits for
)

// TestHelperProcess is not a test: it is the body of the processes the
// other tests start. Run directly, it returns at once.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(helperRole)
	if role == "" {
		return
	}
	st, err := Open(os.Getenv(helperDB), Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	at, _ := strconv.ParseInt(os.Getenv(helperAt), 10, 64)
	switch role {
	case "write":
		err = helperWrite(st, at)
	case "watch":
		err = helperWatch(st, at)
	case "lease":
		err = helperLease(st)
	case "write-loop":
		err = helperWriteLoop(st)
	case "put-one":
		err = helperPutOne(st)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if err := st.Close(); err != nil {
		fmt.Println("close:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helperWrite invalidates the tag "news" at at and writes version 2 of
// /news and /sports.
func helperWrite(st *Store, at int64) error {
	ctx := context.Background()
	if _, err := st.InvalidateTags(ctx, []string{"news"}, time.Unix(0, at), cache.Stale); err != nil {
		return err
	}
	for _, k := range []string{"/news", "/sports"} {
		if err := st.Put(ctx, page(k, "version 2", "news")); err != nil {
			return err
		}
	}
	fmt.Println("done")
	return nil
}

// helperWatch reads /news into memory, says "ready" and waits, up to 5 s,
// for its Get to show version 2 with the stamp at.
func helperWatch(st *Store, at int64) error {
	ctx := context.Background()
	if _, err := st.Get(ctx, "/news"); err != nil {
		return err
	}
	fmt.Println("ready")
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		l, err := st.Get(ctx, "/news")
		if err != nil {
			return err
		}
		if string(l.Entry.Body) == "version 2" && l.RevalidatedAt.UnixNano() == at {
			fmt.Println("seen after", time.Since(start).Round(time.Millisecond))
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return errors.New("version 2 not seen within 5 s")
}

// helperLease says "ready", waits for a line on stdin, then tries to take
// the leases /k0 to /k49 and prints "KEY held" or "KEY lost" for each.
func helperLease(st *Store) error {
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	owner := strconv.Itoa(os.Getpid())
	for i := range 50 {
		key := fmt.Sprintf("/k%d", i)
		ok, err := st.Lease(context.Background(), key, owner, time.Minute)
		if err != nil {
			return err
		}
		result := "lost"
		if ok {
			result = "held"
		}
		fmt.Println(key, result)
	}
	return nil
}

// helperPutOne writes and reads back /second, then says "done".
func helperPutOne(st *Store) error {
	ctx := context.Background()
	if err := st.Put(ctx, page("/second", "<h1>second</h1>", "t")); err != nil {
		return err
	}
	l, err := st.Get(ctx, "/second")
	if err != nil {
		return err
	}
	if string(l.Entry.Body) != "<h1>second</h1>" {
		return fmt.Errorf("read back %q", l.Entry.Body)
	}
	fmt.Println("done")
	return nil
}

// helperWriteLoop writes entries until it is killed, printing each key
// once its Put has returned.
func helperWriteLoop(st *Store) error {
	for i := 0; ; i++ {
		key := fmt.Sprintf("/w/%d", i)
		if err := st.Put(context.Background(), loopEntry(key)); err != nil {
			return err
		}
		fmt.Println(key)
	}
}

// loopEntry is the entry the write loop stores for key: big enough that
// a kill often lands in the middle of writing it.
func loopEntry(key string) *cache.Entry {
	e := page(key, strings.Repeat(key+" ", 8<<10), "loop", key)
	e.Gzip = []byte(strings.Repeat("z", 16<<10))
	return e
}

// helper starts the test binary in role on the file db.
func helper(t *testing.T, role, db string, at int64) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperRole+"="+role, helperDB+"="+db, helperAt+"="+strconv.FormatInt(at, 10))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdin, bufio.NewScanner(stdout)
}

// expectLine reads the helper's next line and fails unless it starts
// with want.
func expectLine(t *testing.T, out *bufio.Scanner, want string) string {
	t.Helper()
	if !out.Scan() {
		t.Fatalf("helper ended before printing %q: %v", want, out.Err())
	}
	if !strings.HasPrefix(out.Text(), want) {
		t.Fatalf("helper printed %q, want %q", out.Text(), want)
	}
	return out.Text()
}

func TestProcessesSeeEachOthersWrites(t *testing.T) {
	ctx := context.Background()
	t.Run("another process writes", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "cache.db")
		st, err := Open(db, Options{}) // the default poll interval
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, k := range []string{"/news", "/sports"} {
			if err := st.Put(ctx, page(k, "version 1", "news")); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Now().UnixNano()
		cmd, _, out := helper(t, "write", db, at)
		expectLine(t, out, "done")
		start := time.Now()
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"/news", "/sports"} {
			for {
				l, err := st.Get(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if string(l.Entry.Body) == "version 2" && l.RevalidatedAt.UnixNano() == at {
					break
				}
				if time.Since(start) > 5*time.Second {
					t.Fatalf("Get(%s) = %q stamped %v 5 s after the other process wrote, want version 2 stamped %v",
						k, l.Entry.Body, l.RevalidatedAt, time.Unix(0, at))
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		t.Logf("seen after %v", time.Since(start).Round(time.Millisecond))
	})
	t.Run("this process writes", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "cache.db")
		st, err := Open(db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Put(ctx, page("/news", "version 1", "news")); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UnixNano()
		cmd, _, out := helper(t, "watch", db, at)
		expectLine(t, out, "ready")
		if _, err := st.InvalidateTags(ctx, []string{"news"}, time.Unix(0, at), cache.Stale); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, page("/news", "version 2", "news")); err != nil {
			t.Fatal(err)
		}
		t.Log(expectLine(t, out, "seen after"))
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestProcessesContendForLeases(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cache.db")
	st, err := Open(db, Options{}) // creates the file before the race
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Scanner
	}
	var children []child
	for range 2 {
		cmd, stdin, out := helper(t, "lease", db, 0)
		expectLine(t, out, "ready")
		children = append(children, child{cmd, stdin, out})
	}
	for _, c := range children {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	held := make(map[string]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.out.Scan() {
				key, result, _ := strings.Cut(c.out.Text(), " ")
				mu.Lock()
				if result == "held" {
					held[key]++
				} else if _, ok := held[key]; !ok {
					held[key] = 0
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		key := fmt.Sprintf("/k%d", i)
		if held[key] != 1 {
			t.Errorf("lease %s held by %d processes, want exactly 1", key, held[key])
		}
	}
}

func TestKilledWriterLeavesWholeEntries(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cache.db")
	cmd, _, out := helper(t, "write-loop", db, 0)
	var keys []string
	for len(keys) < 30 && out.Scan() {
		keys = append(keys, out.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Keys printed before the kill are committed too.
	for out.Scan() {
		keys = append(keys, out.Text())
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the writer exited by itself; want it killed")
	}
	if len(keys) < 30 || !strings.HasPrefix(keys[0], "/w/") {
		t.Fatalf("the writer reported %q, want at least 30 keys", keys)
	}

	st, err := Open(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var check string
	if err := rawDB(t, st).QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	if check != "ok" {
		t.Errorf("integrity_check = %q, want ok", check)
	}
	ctx := context.Background()
	for _, k := range keys {
		l, err := st.Get(ctx, k)
		if err != nil {
			t.Errorf("Get(%s) of a reported write: %v", k, err)
			continue
		}
		want := loopEntry(k)
		if string(l.Entry.Body) != string(want.Body) || string(l.Entry.Gzip) != string(want.Gzip) ||
			l.Entry.Sum != xxhash.Sum64(want.Body) {
			t.Errorf("Get(%s) returned another entry", k)
		}
	}
	// Whatever else the file holds is whole too: entries written after the
	// last report, up to the one in flight.
	infos, err := st.List(ctx, cache.Filter{Prefix: "/w/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		if _, err := st.Get(ctx, in.Key); err != nil {
			t.Errorf("Get(%s): %v", in.Key, err)
		}
	}
	t.Logf("%d writes reported before the kill, %d in the file", len(keys), len(infos))
}
