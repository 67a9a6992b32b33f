package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/tmpfstest"
)

// TestDiskFullNoDuplicateAfterWatchdogRestart pins issue 10 defect 9: with
// the state file on a full disk, a service restarted by the watchdog could
// not be recorded (ENOSPC); the next watchdog found only the dead pid in
// the state file and started a second copy while the first ran on,
// unsupervised. The state file lives on a real, full 1 MiB tmpfs.
func TestDiskFullNoDuplicateAfterWatchdogRestart(t *testing.T) {
	state := filepath.Join(tmpfstest.Mount(t, "1m"), "vigil.state")
	kv := testMarker(t) // after Mount: its cleanup runs first
	_, cfgPath, client := writeConfig(t, "", fmt.Sprintf(`services:
  app:
    command: [%q]
    env: {VIGIL_HELPER: sleep}
`, os.Args[0]))
	b := mustRead(t, cfgPath)
	b = append([]byte(fmt.Sprintf("version: 1\napi:\n  state_file: %s\n", state)), b[len("version: 1\napi:\n"):]...)
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}

	first := startWatchdog(t, cfgPath, kv)
	p1 := waitHealthy(t, client, 15*time.Second).Services[0]
	// The state file is written after the start is reported, not before:
	// fill the disk only once it names p1.
	for deadline := time.Now().Add(10 * time.Second); savedPID(state) != p1.PID; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("state file %s does not name pid %d 10s after it was healthy", state, p1.PID)
		}
	}
	tmpfstest.Fill(t, filepath.Dir(state))
	if err := syscall.Kill(p1.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p2 := waitRestarted(t, client, p1.PID, 10*time.Second)
	if pid := savedPID(state); pid != p1.PID {
		t.Fatalf("state file names pid %d, want the dead %d: the write of %d must have failed for this test", pid, p1.PID, p2.PID)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	second := startWatchdog(t, cfgPath, kv)
	after := waitHealthy(t, client, 15*time.Second).Services[0]
	copies := marked(kv, true)
	t.Logf("after the watchdog restart: pid %d adopted=%v, copies running %v", after.PID, after.Adopted, copies)
	if len(copies) != 1 || after.PID != p2.PID || !after.Adopted {
		t.Errorf("after a watchdog restart on a full disk: %d copies %v, status pid %d adopted=%v; want exactly 1, pid %d adopted",
			len(copies), copies, after.PID, after.Adopted, p2.PID)
	}
	waitStopped(t, second)
	if left := marked(kv, true); len(left) > 0 {
		t.Errorf("after shutdown: %v still running, want none", left)
	}
}

// savedPID is app's pid in the state file at path, 0 if none can be read.
func savedPID(path string) int {
	var saved struct {
		Services map[string]struct{ PID int } `json:"services"`
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &saved) != nil {
		return 0
	}
	return saved.Services["app"].PID
}
