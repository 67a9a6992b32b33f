package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestSIGPIPEDoesNotKillWatchdogMidShutdown: `watchdog run | tee log`, then
// Ctrl-C: tee is gone, so every log line the watchdog writes while stopping
// goes to a pipe without a reader. It must still stop its slow-stopping
// service and exit 0, not die of SIGPIPE (exit 141) at the line saying its
// dependent stopped, leaving the slow one running.
func TestSIGPIPEDoesNotKillWatchdogMidShutdown(t *testing.T) {
	for _, mode := range []string{"run", "init"} {
		t.Run(mode, func(t *testing.T) {
			_, cfgPath, client := writeConfig(t, "", `services:
  slow:
    command: ["trap 'sleep 0.5; exit 0' TERM; while :; do sleep 0.1; done"]
    shell: true
    stop: {timeout: 10s}
  front: # stopped first, and logged
    command: ["sleep", "600"]
    depends_on: {slow: started}
`)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cmd := exec.Command(os.Args[0], mode, "-c", cfgPath)
			cmd.Env = append(os.Environ(), "VIGIL_TEST_MAIN=1")
			cmd.Stdout, cmd.Stderr = w, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			svcs := waitHealthy(t, client, 15*time.Second).Services
			if len(svcs) != 2 {
				t.Fatalf("status shows %d services, want 2: %+v", len(svcs), svcs)
			}
			for _, svc := range svcs {
				t.Cleanup(func() { _ = syscall.Kill(-svc.PGID, syscall.SIGKILL) })
				if ign := sigIgnored(t, svc.PID); ign&(1<<(syscall.SIGPIPE-1)) != 0 {
					t.Errorf("service %s ignores SIGPIPE (SigIgn %#x): the watchdog must not pass an ignored SIGPIPE on", svc.Name, ign)
				}
			}

			r.Close() // tee died
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Errorf("watchdog %s killed by %v while stopping, want a clean exit", mode, ws.Signal())
			} else if err != nil {
				t.Errorf("watchdog %s exit = %v, want 0", mode, err)
			}
			for _, svc := range svcs {
				if err := syscall.Kill(-svc.PGID, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("service %s (group %d) still there after the watchdog exited (kill -0: %v), want it stopped", svc.Name, svc.PGID, err)
				}
			}
		})
	}
}

// sigIgnored returns the SigIgn mask of pid.
func sigIgnored(t *testing.T, pid int) uint64 {
	t.Helper()
	mask, err := strconv.ParseUint(procField(t, fmt.Sprintf("/proc/%d/status", pid), "SigIgn"), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return mask
}
