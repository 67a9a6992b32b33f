package proc

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestPortHoldersNamesTheListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	hs := PortHolders([]int{port, 1})
	if len(hs) != 1 || hs[0].PID != os.Getpid() || hs[0].Port != port || hs[0].Command == "" {
		t.Fatalf("PortHolders(%d) = %+v, want this process", port, hs)
	}
	l.Close()
	if hs := PortHolders([]int{port}); len(hs) != 0 {
		t.Fatalf("PortHolders after close = %+v, want none", hs)
	}
}

// startGroup starts sh -c script as the leader of a process group of its
// own, so its pid is the group's id. t.Cleanup SIGKILLs the group (the
// script's children too) and reaps the leader.
func startGroup(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sh -c %q: %v", script, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return cmd
}

func TestGroupLifecycle(t *testing.T) {
	cmd := startGroup(t, "sleep 60 & sleep 60")
	pgid := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for len(GroupMembers(pgid)) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(GroupMembers(pgid)); n != 3 {
		t.Fatalf("GroupMembers = %d, want sh and two sleeps", n)
	}
	u, err := GroupUsage(pgid)
	if err != nil || u.Procs != 3 || u.RSS <= 0 || u.FDs <= 0 {
		t.Fatalf("GroupUsage = %+v, %v", u, err)
	}
	if st, err := ReadStat(pgid); err != nil || st.PGID != pgid || st.StartTime == 0 {
		t.Fatalf("ReadStat = %+v, %v", st, err)
	}
	if err := SignalGroup(pgid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	gone := time.Now().Add(5 * time.Second)
	for len(GroupMembers(pgid)) > 0 && time.Now().Before(gone) {
		time.Sleep(5 * time.Millisecond)
	}
	if left := GroupMembers(pgid); len(left) != 0 {
		t.Fatalf("group %d left %v after SIGKILL", pgid, left)
	}
	if err := SignalGroup(1, syscall.SIGTERM); err == nil {
		t.Fatal("SignalGroup(1) succeeded, want a refusal")
	}
}

func TestParseStatCommWithParens(t *testing.T) {
	st, err := parseStat(42, "42 (a) b) c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 12 0 0")
	if err != nil || st.Comm != "a) b) c" || st.State != 'S' || st.PGID != 42 || st.StartTime != 777 || st.RSSPages != 12 {
		t.Fatalf("parseStat = %+v, %v", st, err)
	}
}

func TestHasCapabilityMatchesRoot(t *testing.T) {
	if got, want := HasCapability(CapSetUID), os.Geteuid() == 0; got != want {
		t.Errorf("HasCapability(CAP_SETUID) = %v, want %v for euid %d", got, want, os.Geteuid())
	}
}

// TestChildrenListsOwnChildrenZombiesIncluded: Children names the caller's
// children (not its grandchildren), a zombie too until it is reaped.
func TestChildrenListsOwnChildrenZombiesIncluded(t *testing.T) {
	cmd := startGroup(t, "sleep 60 & wait")
	pid := cmd.Process.Pid
	state := func() (byte, bool) {
		for _, st := range Children() {
			if st.PPID != os.Getpid() {
				t.Errorf("Children() lists %d, whose parent is %d", st.PID, st.PPID)
			}
			if st.PID == pid {
				return st.State, true
			}
		}
		return 0, false
	}
	if _, ok := state(); !ok {
		t.Fatalf("Children() misses child %d", pid)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if s, ok := state(); ok && s == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d killed but not listed as a zombie", pid)
		}
	}
	_ = cmd.Wait()
	if _, ok := state(); ok {
		t.Fatalf("child %d still listed after it was reaped", pid)
	}
}
