package proc

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSpawnWaitHoldsNoThread: a running service's waiter parks on the
// runtime's poller ("IO wait"), not in waitid(2) ("syscall"), where each
// one held an OS thread for the service's whole life (20 services were 20
// idle threads and ~1 MB of stacks); the exit status still comes through.
func TestSpawnWaitHoldsNoThread(t *testing.T) {
	const n = 8
	procs := make([]*Process, n)
	for i := range procs {
		p, err := Spawn(Spec{Argv: []string{"sleep", "60"}})
		if err != nil {
			t.Fatal(err)
		}
		procs[i] = p
		defer SignalGroup(p.PGID, syscall.SIGKILL) //nolint:errcheck // cleanup after a failure
	}
	parked := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		parked = countWaiters(t, "[IO wait")
		if parked == n {
			break
		}
	}
	if parked != n {
		t.Errorf("%d of %d waiters parked on the poller; in a system call: %d", parked, n, countWaiters(t, "[syscall"))
	}
	for _, p := range procs {
		if err := SignalGroup(p.PGID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case ex := <-p.Done:
			if ex.Signal != "SIGKILL" || ex.Code != -1 || ex.Err != nil {
				t.Errorf("Exit after SIGKILL = %+v, want killed by SIGKILL", ex)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("pid %d: no Exit within 10s of SIGKILL", p.PID)
		}
	}
}

func TestSpawnExitCode(t *testing.T) {
	p, err := Spawn(Spec{Argv: []string{"sh", "-c", "exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ex := <-p.Done:
		if ex.Code != 3 || ex.Signal != "" || ex.Err != nil {
			t.Errorf("Exit = %+v, want exit code 3", ex)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Exit within 10s")
	}
}

// countWaiters counts the goroutines in awaitExit whose state starts with
// state (as runtime.Stack prints it).
func countWaiters(t *testing.T, state string) int {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(g, "proc.awaitExit") && strings.Contains(header, state) {
			n++
		}
	}
	return n
}
