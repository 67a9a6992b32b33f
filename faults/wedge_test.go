package faults

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wedgeTarget runs the "parent" helper, whose child (the wedge target, a
// process that exits 0 on SIGTERM) is not this process's child: as with the
// watchdog's services, the tracer is not the parent. It returns the child's
// pid and the parent's report lines ("child ended: ...").
func wedgeTarget(t *testing.T) (int, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=parent")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	select {
	case l := <-lines:
		pid, err := strconv.Atoi(l)
		if err != nil {
			t.Fatalf("parent helper said %q", l)
		}
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		return pid, lines
	case <-time.After(30 * time.Second):
		t.Fatal("parent helper gave no pid within 30s")
		return 0, nil
	}
}

// wedged wedges a fresh wedgeTarget child as service "api"; it returns the
// child's pid, the parent's report lines and the fault's revert.
func wedged(t *testing.T) (int, <-chan string, Revert) {
	t.Helper()
	pid, lines := wedgeTarget(t)
	w := &Wedge{Service: "api", Finder: PIDFunc(func(context.Context, string) (int, error) { return pid, nil })}
	return pid, lines, mustInject(context.Background(), t, w)
}

// ended waits (bounded) for the parent's "child ended" line.
func ended(t *testing.T, lines <-chan string, within time.Duration) (string, bool) {
	t.Helper()
	select {
	case l := <-lines:
		return l, true
	case <-time.After(within):
		return "", false
	}
}

// TestWedgeIgnoresTermAndContUntilReverted: a wedged process acts on
// neither SIGTERM nor SIGCONT (which undoes a SIGSTOP freeze); after the
// revert it acts on the SIGTERM that came meanwhile.
func TestWedgeIgnoresTermAndContUntilReverted(t *testing.T) {
	pid, lines, revert := wedged(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGCONT} {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	if l, ok := ended(t, lines, 500*time.Millisecond); ok {
		t.Fatalf("the wedged process acted on SIGTERM: %s", l)
	}
	if st, _ := procState(pid); st != "t" {
		t.Errorf("state of the wedged process = %q, want t (tracing stop)", st)
	}
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	l, ok := ended(t, lines, 10*time.Second)
	if !ok || !strings.HasSuffix(l, "<nil>") {
		t.Fatalf("after the revert the process did not exit 0 on the pending SIGTERM: %q (ended %v)", l, ok)
	}
}

// TestWedgeYieldsToSigkill: SIGKILL ends a wedged process at once, and its
// parent sees it die while the fault is still in place.
func TestWedgeYieldsToSigkill(t *testing.T) {
	pid, lines, revert := wedged(t)
	revertAtEnd(t, revert)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	l, ok := ended(t, lines, 10*time.Second)
	if !ok || !strings.Contains(l, "killed") {
		t.Fatalf("parent report after SIGKILL = %q (ended %v), want the child killed", l, ok)
	}
}

// TestWedgeRevertLetsAnExitingProcessBeReaped: the revert detaches thread
// by thread, so a process whose first detached thread acts on a pending
// SIGTERM exits while others are still traced. Those died traced and stayed
// zombies, and the process with them, until the tracer reaped them: the
// parent never saw the exit (1 run in 4 of the test above).
func TestWedgeRevertLetsAnExitingProcessBeReaped(t *testing.T) {
	for i := range 8 {
		pid, lines, revert := wedged(t)
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := revert(context.Background()); err != nil {
			t.Fatalf("revert() = %v", err)
		}
		if l, ok := ended(t, lines, 5*time.Second); !ok || !strings.HasSuffix(l, "<nil>") {
			st, _ := procState(pid)
			t.Fatalf("run %d: the parent saw no exit 0 within 5s of the revert: %q (ended %v); the process's state is %q", i, l, ok, st)
		}
	}
}
