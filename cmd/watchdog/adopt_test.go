package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/faults/porttest"
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

// procField returns the value of the "key:" line of a /proc file.
func procField(t *testing.T, path, key string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in %s:\n%s", key, path, b)
	return ""
}

// fdStatusFlags reads the file status flags of pid's fd.
func fdStatusFlags(t *testing.T, pid, fd int) int {
	t.Helper()
	flags, err := strconv.ParseInt(procField(t, fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd), "flags"), 8, 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(flags)
}

// TestAdoptionKeepsSocketBlocking: a watchdog adopting a socket-activated
// service after kill -9 must not set O_NONBLOCK on the listening socket it
// shares with it; the service, blocked in accept(2), keeps answering.
func TestAdoptionKeepsSocketBlocking(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", porttest.Free(t))
	_, cfgPath, client := writeConfig(t, "", fmt.Sprintf(`services:
  svc:
    command: [%q]
    env: {VIGIL_HELPER: accept}
    sockets: [{listen: %q}]
`, os.Args[0], addr))
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
	want = "ok " + strconv.Itoa(waitRestarted(t, client, before.PID, 15*time.Second).PID)
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
