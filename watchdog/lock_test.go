package watchdog_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/watchdog"
)

// TestLockInstanceRefusesSecondHolder: flock conflicts between open file
// descriptions even in one process, so this stands for a second watchdog.
func TestLockInstanceRefusesSecondHolder(t *testing.T) {
	cfg := parseConfig(t, t.TempDir(), "  a:\n    command: [\"true\"]\n")
	first, err := watchdog.LockInstance(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = watchdog.LockInstance(cfg)
	if !errors.Is(err, watchdog.ErrAlreadyRunning) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("LockInstance() while held = %v, want ErrAlreadyRunning naming pid %d", err, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := watchdog.LockInstance(cfg)
	if err != nil {
		t.Fatalf("LockInstance() after Close = %v, want the lock", err)
	}
	_ = again.Close()
}
