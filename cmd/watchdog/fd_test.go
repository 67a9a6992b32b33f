package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
)

// TestIdleConnectionsStarveRestart pins issue 10 defect 8: under a 64-fd
// limit, 53 idle connections to api.listen took every descriptor, so a
// killed service could not reopen its log ("too many open files") and the
// control socket stopped answering.
func TestIdleConnectionsStarveRestart(t *testing.T) {
	const nofile, idle = 64, 60
	dir := t.TempDir()
	port, apiPort := porttest.Free(t), porttest.Free(t)
	cfgPath := writeWebConfig(t, dir, fmt.Sprintf("  listen: 127.0.0.1:%d\n  socket: %s/run/vigil.sock\n", apiPort, dir), port, "")
	client := api.NewSocketClient(filepath.Join(dir, "run", "vigil.sock"))
	defer client.Close()
	wd := startWatchdog(t, cfgPath, fmt.Sprintf("VIGIL_TEST_NOFILE=%d", nofile))
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Cleanup(func() { _ = syscall.Kill(-before.PGID, syscall.SIGKILL) })

	// Open idle keep-alive connections: each sends one request, then idles.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < idle; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", apiPort))
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if _, err := fmt.Fprintf(c, "GET /health HTTP/1.1\r\nHost: vigil\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Wait (bounded) for the watchdog to answer every connection it takes.
	var served atomic.Int32
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				resp.Body.Close()
				served.Add(1)
			}
		}(c)
	}
	wg.Wait()
	t.Logf("%d of %d idle connections served under RLIMIT_NOFILE %d", served.Load(), idle, nofile)

	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := client.Status(ctx)
		cancel()
		if err == nil && st.Services[0].PID != 0 && st.Services[0].PID != before.PID && st.Services[0].State == watchdog.StateRunning {
			t.Cleanup(func() { _ = syscall.Kill(-st.Services[0].PGID, syscall.SIGKILL) })
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15s after the kill with %d idle connections: status %+v, err %v; want the service restarted and the socket answering", idle, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := wd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := wd.Wait(); err != nil {
		t.Fatalf("watchdog exit after SIGTERM: %v, want 0", err)
	}
}
