package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// TestExitDuringWatchdogSIGSTOPKeepsBackoff pins the rest of issue 10 item
// 15: a child that exited while the watchdog was SIGSTOPped had its uptime
// measured up to the SIGCONT, past restart.reset_after, so a crash loop's
// backoff was reset and the service restarted at once.
func TestExitDuringWatchdogSIGSTOPKeepsBackoff(t *testing.T) {
	const resetAfter = 4 * time.Second
	kv := testMarker(t)
	_, cfgPath, client := writeConfig(t, "", fmt.Sprintf(`services:
  crashy:
    command: ["/bin/sh", "-c", "sleep 2; exit 3"]
    restart:
      reset_after: %s
      backoff: {min: 1m, max: 1m}
`, resetAfter))
	wd := startWatchdogArgs(t, []string{"run", "-c", cfgPath}, kv)
	t.Cleanup(func() { _ = wd.Process.Signal(syscall.SIGCONT) }) // before the marker's SIGKILL, pass or fail
	first := waitHealthy(t, client, 15*time.Second).Services[0]
	if err := wd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if !processState(first.PID, "S", "R", "D") {
		t.Fatalf("pid %d already gone when the watchdog was stopped: this machine is too slow for the test", first.PID)
	}
	// Keep the watchdog stopped until the child has exited and reset_after
	// has passed since its start: bounded polls, the stop is the fault.
	deadline := time.Now().Add(20 * time.Second)
	for !processState(first.PID, "Z") || time.Since(*first.StartedAt) < resetAfter+time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not exit within 20s", first.PID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := wd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var st watchdog.ServiceStatus
	deadline = time.Now().Add(15 * time.Second)
	// Until the restart decision: backoff, or a new process.
	for st.LastExit == nil || (st.State != watchdog.StateBackoff && st.PID == 0) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := client.Status(ctx)
		cancel()
		if err == nil && len(s.Services) == 1 {
			st = s.Services[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no exit and restart decision 15s after SIGCONT: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("child ran 2s, watchdog stopped until %v after its start; measured uptime %v, state %s", resetAfter+time.Second, st.LastExit.Uptime, st.State)
	if time.Duration(st.LastExit.Uptime) >= resetAfter || st.State != watchdog.StateBackoff {
		t.Errorf("after an exit during a SIGSTOP of the watchdog: uptime %v, state %s (pid %d); want < reset_after %v and backoff (1m), not an immediate restart",
			st.LastExit.Uptime, st.State, st.PID, resetAfter)
	}
	waitStopped(t, wd)
}

// processState reports whether pid exists in one of the given states
// (the letter after the command in /proc/PID/stat).
func processState(pid int, states ...string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	for _, st := range states {
		if len(f) > 0 && f[0] == st {
			return true
		}
	}
	return false
}
