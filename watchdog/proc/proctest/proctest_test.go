package proctest

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { VerifyTestMain(m) }

// startEscaped starts a sleep that carries marker in its environment and
// has left the test's session and process group (as a service that
// setsid()s). It returns the sleep's pid and a channel that receives its
// Wait error once it ends; Mark's cleanup kills it if the test does not.
func startEscaped(t *testing.T, marker string) (int, <-chan error) {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.Env = append(os.Environ(), marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sleep: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd.Process.Pid, done
}

// TestKillFindsASetsidDescendantByItsMarker: a process that left the test's
// session and process group is still found by its environment and killed.
func TestKillFindsASetsidDescendantByItsMarker(t *testing.T) {
	marker := Mark(t)
	pid, done := startEscaped(t, marker)
	if got := Kill(marker); !slices.Contains(got, pid) {
		t.Fatalf("Kill(%q) = %v, want it to include %d", marker, got, pid)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("marked process still alive 10s after Kill")
	}
	if got := Kill(marker); len(got) != 0 {
		t.Errorf("second Kill = %v, want nothing left", got)
	}
}

// TestReaperKillsWhatOutlivesTheTestBinary: when the process it waits for
// ends (here a stand-in for a test binary that panicked on -timeout), the
// reaper kills every process left with the marker.
func TestReaperKillsWhatOutlivesTheTestBinary(t *testing.T) {
	marker := Mark(t)
	binary := exec.Command("sleep", "300")
	if err := binary.Start(); err != nil {
		t.Fatal(err)
	}
	_, done := startEscaped(t, marker)
	startReaper(binary.Process.Pid, marker)
	_ = binary.Process.Kill()
	_ = binary.Wait()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the marked process outlived its test binary by 20s: no reaper")
	}
}
