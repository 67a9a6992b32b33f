package pgtest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestKillAndRestart pins crash recovery: a SIGKILLed postmaster restarts on
// the same directory and port.
func TestKillAndRestart(t *testing.T) {
	s := Require(t)
	if s.PID() == 0 {
		t.Fatal("PID() = 0 after Start, want the postmaster's pid")
	}
	if err := s.Kill(); err != nil {
		t.Fatalf("Kill() = %v", err)
	}
	if err := s.Restart(t.Context()); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
}
