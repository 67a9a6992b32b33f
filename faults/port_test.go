package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
)

func TestOccupyPortHeldByChildThenReleased(t *testing.T) {
	addr := porttest.Addr(t)
	f := OccupyPort("api", addr, nil)
	revert := mustInject(context.Background(), t, f)
	t.Cleanup(func() { _ = revert(context.Background()) })

	if _, err := net.Listen("tcp", addr); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Listen(%s) while occupied = %v, want EADDRINUSE", addr, err)
	}
	pid := f.HolderPID()
	if pid <= 0 || pid == os.Getpid() {
		t.Fatalf("HolderPID() = %d, want a child's pid", pid)
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if got := strings.TrimSpace(string(comm)); got != "sleep" {
		t.Errorf("holder command = %q, want sleep", got)
	}
	if !holdsListener(t, pid, addr) {
		t.Errorf("holder %d has no socket listening on %s", pid, addr)
	}
	if holdsListener(t, os.Getpid(), addr) {
		t.Errorf("the test process itself still holds %s", addr)
	}

	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	if f.HolderPID() != 0 {
		t.Errorf("HolderPID() after revert = %d, want 0", f.HolderPID())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("Listen(%s) after revert = %v, want the port free", addr, err)
	}
	ln.Close()
}

// TestOccupyPortAfterKillingService is the restart-finds-port-taken case: a
// real child listens, Inject kills it, and the bind retries until the port
// is released.
func TestOccupyPortAfterKillingService(t *testing.T) {
	addr := porttest.Addr(t)
	svc := startHelper(t, "listen "+addr)
	f := OccupyPort("api", addr, PIDFunc(func(context.Context, string) (int, error) { return svc.Process.Pid, nil }))
	revertAtEnd(t, mustInject(context.Background(), t, f))
	if !holdsListener(t, f.HolderPID(), addr) {
		t.Fatalf("holder %d is not listening on %s", f.HolderPID(), addr)
	}
}

// TestFillPortNeverRacesTheRestart pins the fill-port race of `make chaos`:
// the watchdog restarted pgapi within ~7 ms of the kill and took the port
// back before the fault could bind it ("bind: address already in use"). The
// supervisor here restarts its listener at once, faster than the bind
// retry; with the supervisor paused across kill and bind, every injection
// must win, and the listener must come back once the port is released.
func TestFillPortNeverRacesTheRestart(t *testing.T) {
	addr := porttest.Addr(t)
	sup := startHelper(t, "supervise "+addr)
	listener := PIDFunc(func(context.Context, string) (int, error) { return listenerChild(t, sup.Process.Pid, addr) })
	// Listening once the child holds the socket and the supervisor has
	// closed its own copy: between starting the child and that close the
	// supervisor holds the port too, and a fault that pauses it then cannot
	// bind (as with a watchdog that holds a service's socket, which the
	// fault reports as such).
	listening := func() (bool, string) {
		pid, err := listenerChild(t, sup.Process.Pid, addr)
		if err == nil && holdsListener(t, sup.Process.Pid, addr) {
			return false, fmt.Sprintf("child %d listens, the supervisor still holds its copy", pid)
		}
		return err == nil, fmt.Sprint(pid, err)
	}
	eventually(t, 10*time.Second, "the supervisor's listener on "+addr, listening)
	for i := range 10 {
		f := OccupyPort("api", addr, listener)
		f.Supervisor = PIDFunc(func(context.Context, string) (int, error) { return sup.Process.Pid, nil })
		f.BindTimeout = time.Second
		revert, err := f.Inject(context.Background())
		if err != nil {
			t.Fatalf("injection %d: Inject() = %v, want the port taken before the restart", i, err)
		}
		if !holdsListener(t, f.HolderPID(), addr) {
			t.Errorf("injection %d: holder %d is not listening on %s", i, f.HolderPID(), addr)
		}
		if st, _ := procState(sup.Process.Pid); st == "T" {
			t.Errorf("injection %d: the supervisor is still stopped after Inject", i)
		}
		if err := revert(context.Background()); err != nil {
			t.Fatalf("injection %d: revert() = %v", i, err)
		}
		eventually(t, 10*time.Second, "the supervisor's listener back on "+addr, listening)
	}
}

// listenerChild returns the child of sup that listens on addr. It reads
// every process's parent from its stat: the kernel's per-thread children
// lists may skip a child whose thread exits meanwhile.
func listenerChild(t *testing.T, sup int, addr string) (int, error) {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		stat := string(b)
		f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:]) // state, ppid, ...
		if len(f) < 2 || f[1] != strconv.Itoa(sup) {
			continue
		}
		if pid, _ := strconv.Atoi(strings.Split(path, "/")[2]); holdsListener(t, pid, addr) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child of %d listens on %s", sup, addr)
}

func TestOccupyPortErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	beforeErr := errors.New("cannot find service")
	for _, tc := range []struct {
		name string
		f    *PortOccupy
		want string
	}{
		{"held by someone else", &PortOccupy{Addr: busy.Addr().String(), BindTimeout: 50 * time.Millisecond}, "still in use"},
		{"evict fails", OccupyPort("api", porttest.Addr(t), PIDFunc(func(context.Context, string) (int, error) { return 0, beforeErr })), "cannot find service"},
		{"bad address", OccupyPort("api", "127.0.0.1:notaport", nil), "occupy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Inject(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Inject() = %v, want an error containing %q", err, tc.want)
			}
			if tc.f.HolderPID() != 0 {
				t.Fatalf("HolderPID() = %d after a failed Inject, want 0", tc.f.HolderPID())
			}
		})
	}
}

// holdsListener reports whether pid has an fd on the socket listening on
// addr (matched by inode through /proc/net/tcp).
func holdsListener(t *testing.T, pid int, addr string) bool {
	t.Helper()
	inode := listenInode(t, addr)
	if inode == "" {
		return false
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && link == "socket:["+inode+"]" {
			return true
		}
	}
	return false
}

// listenInode finds the inode of the IPv4 socket listening on addr, "" if
// none listens.
func listenInode(t *testing.T, addr string) string {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("0100007F:%04X", p)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" { // 0A = LISTEN
			return f[9]
		}
	}
	return ""
}
