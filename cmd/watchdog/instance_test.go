package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
)

// TestSecondWatchdogRunStopsNoServices: a second `watchdog run` on the
// config of a running one exits 2, names the pid that owns it, and leaves
// the first one's service running untouched.
func TestSecondWatchdogRunStopsNoServices(t *testing.T) {
	_, cfgPath, client := writeConfig(t, fmt.Sprintf("127.0.0.1:%d", porttest.Free(t)), `services:
  app:
    command: ["sleep", "600"]
`)
	first := startWatchdog(t, cfgPath)
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Cleanup(func() { _ = syscall.Kill(-before.PGID, syscall.SIGKILL) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, os.Args[0], "run", "-c", cfgPath)
	second.Env = append(os.Environ(), "VIGIL_TEST_MAIN=1")
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
		t.Errorf("second watchdog run = %v, want exit %d; output:\n%s", err, exitUsage, out)
	}
	for _, want := range []string{"another watchdog is running this configuration", "pid " + strconv.Itoa(first.Process.Pid), "vigil.sock", "nothing was started or stopped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second watchdog run printed %q, want it to contain %q", out, want)
		}
	}

	after := waitHealthy(t, client, 15*time.Second).Services[0]
	if after.PID != before.PID || after.Restarts != 0 || syscall.Kill(before.PID, 0) != nil {
		t.Fatalf("after a second watchdog run: pid %d→%d restarts=%d; want the first watchdog's process untouched", before.PID, after.PID, after.Restarts)
	}
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first watchdog exit after SIGTERM: %v, want 0", err)
	}
}
