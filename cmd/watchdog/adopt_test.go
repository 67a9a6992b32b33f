package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog/api"
)

// blockingAccept is a socket-activated service written the classic way:
// blocking accept(2) on fd 3, as Python's socket.socket(fileno=3) does. It
// answers "ok PID" to every connection and exits 1 when accept fails (EAGAIN
// once someone has set O_NONBLOCK on the socket).
func blockingAccept() int {
	for {
		nfd, _, err := unix.Accept(3)
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			return 1
		}
		_, _ = unix.Write(nfd, []byte("ok "+strconv.Itoa(os.Getpid())+"\n"))
		unix.Close(nfd)
	}
}

// fdStatusFlags reads the file status flags of pid's fd from /proc.
func fdStatusFlags(t *testing.T, pid, fd int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(flags)
		}
	}
	t.Fatalf("no flags in /proc/%d/fdinfo/%d: %s", pid, fd, b)
	return 0
}

// TestAdoptionKeepsSocketBlocking: a watchdog adopting a socket-activated
// service after kill -9 must not set O_NONBLOCK on the listening socket it
// shares with it; the service, blocked in accept(2), keeps answering.
func TestAdoptionKeepsSocketBlocking(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfgPath := filepath.Join(dir, "vigil.yaml")
	cfg := fmt.Sprintf(`version: 1
api:
  socket: %s/run/vigil.sock
logs:
  dir: %s/logs
services:
  svc:
    command: [%q]
    env: {VIGIL_HELPER: accept}
    sockets: [{listen: %q}]
`, dir, dir, os.Args[0], addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	client := api.NewSocketClient(filepath.Join(dir, "run", "vigil.sock"))
	defer client.Close()
	ask := func() (string, error) {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		b, err := io.ReadAll(c)
		return strings.TrimSpace(string(b)), err
	}

	first := startWatchdog(t, cfgPath)
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Cleanup(func() { _ = syscall.Kill(-before.PGID, syscall.SIGKILL) })
	want := "ok " + strconv.Itoa(before.PID)
	if got, err := ask(); got != want {
		t.Fatalf("before the kill: answer %q (%v), want %q", got, err, want)
	}
	if flags := fdStatusFlags(t, before.PID, 3); flags&unix.O_NONBLOCK != 0 {
		t.Fatalf("before the kill: fd 3 flags %#o, want no O_NONBLOCK", flags)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	second := startWatchdog(t, cfgPath)
	after := waitHealthy(t, client, 15*time.Second).Services[0]
	if after.PID != before.PID || !after.Adopted {
		t.Fatalf("after the watchdog restart: pid %d→%d adopted=%v, want the same process adopted", before.PID, after.PID, after.Adopted)
	}
	if flags := fdStatusFlags(t, before.PID, 3); flags&unix.O_NONBLOCK != 0 {
		t.Errorf("after adoption: fd 3 flags %#o, want no O_NONBLOCK (the watchdog changed a socket it shares)", flags)
	}
	// The first answer comes from the accept(2) already blocked at the
	// adoption; the next ones need accept(2) to block again.
	for i := 0; i < 3; i++ {
		if got, err := ask(); got != want {
			t.Fatalf("after adoption, request %d: answer %q (%v), want %q", i, got, err, want)
		}
	}
	// The recovered socket is handed to the next process after a crash.
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := client.Status(context.Background())
		if err == nil && st.Services[0].PID != 0 && st.Services[0].PID != before.PID {
			t.Cleanup(func() { _ = syscall.Kill(-st.Services[0].PGID, syscall.SIGKILL) })
			want = "ok " + strconv.Itoa(st.Services[0].PID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("adopted process killed, not restarted: %+v %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, err := ask(); got != want {
		t.Fatalf("after a restart on the recovered socket: answer %q (%v), want %q", got, err, want)
	}
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("watchdog exit after SIGTERM: %v, want 0", err)
	}
}
