package main

import (
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	t.Parallel()
	const report = `Running 2s test @ http://127.0.0.1:40000/products/1
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   600.00us    1.00ms  20.00ms   90.00%
  Latency Distribution
     50%  463.00us
     75%  700.00us
     90%    1.20ms
     99%   12.03ms
  117332 requests in 2.00s, 40.00MB read
Requests/sec:  58666.00
Transfer/sec:     20.00MB
`
	got, err := parseWrk(report)
	if err != nil {
		t.Fatal(err)
	}
	want := result{rps: 58666, p50: 463 * time.Microsecond, p99: 12030 * time.Microsecond}
	if got != want {
		t.Errorf("parseWrk = %+v, want %+v", got, want)
	}
	for name, bad := range map[string]string{
		"non-2xx":   report + "  Non-2xx or 3xx responses: 12\n",
		"socket":    report + "  Socket errors: connect 0, read 3, write 0, timeout 0\n",
		"no output": "",
		"garbled":   "Requests/sec: fast\n",
	} {
		if _, err := parseWrk(bad); err == nil {
			t.Errorf("%s: parseWrk accepted it", name)
		}
	}
}
