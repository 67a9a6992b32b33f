package pid1

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

// TestMain doubles as the supervisor child (PID1_TEST=child DIR): it starts a
// long-running grandchild, records both pids and exits 0 on SIGTERM.
func TestMain(m *testing.M) {
	switch os.Getenv("PID1_TEST") {
	case "child":
		dir := os.Args[1]
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		gc := exec.Command("sleep", "60")
		if err := gc.Start(); err != nil {
			os.Exit(3)
		}
		_ = os.WriteFile(filepath.Join(dir, "grandchild"), []byte(strconv.Itoa(gc.Process.Pid)), 0o644)
		_ = os.WriteFile(filepath.Join(dir, "child"), []byte(strconv.Itoa(os.Getpid())), 0o644)
		<-c
		os.Exit(0)
	}
	proctest.VerifyTestMain(m)
}

func readPID(t *testing.T, path string, not int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if pid, err := strconv.Atoi(string(b)); err == nil && pid != not {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no new pid in %s", path)
	return 0
}

func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || strings.Contains(string(b), ") Z ")
}

func TestRestartsKilledSupervisorAndReapsOrphans(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PID1_TEST", "child")
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := Run(ctx, Options{Argv: []string{os.Args[0], dir}, MinBackoff: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		done <- result{code, err}
	}()
	child := readPID(t, filepath.Join(dir, "child"), 0)
	grandchild := readPID(t, filepath.Join(dir, "grandchild"), 0)

	if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	again := readPID(t, filepath.Join(dir, "child"), child)
	if !gone(child) {
		t.Errorf("killed supervisor %d not reaped", child)
	}
	if gone(grandchild) {
		t.Fatalf("the old supervisor's child %d died with it; it must keep running (to be adopted)", grandchild)
	}
	// The orphan is now ours: when it dies we reap it, no zombie is left.
	_ = syscall.Kill(grandchild, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for _, err := os.Stat(fmt.Sprintf("/proc/%d", grandchild)); err == nil; _, err = os.Stat(fmt.Sprintf("/proc/%d", grandchild)) {
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d left as a zombie", grandchild)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case r := <-done:
		if r.err != nil || r.code != 0 {
			t.Fatalf("Run() = %d, %v; want 0 after forwarding SIGTERM", r.code, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !gone(again) {
		t.Errorf("supervisor %d still running after stop", again)
	}
	// Its own grandchild is an orphan of ours too; clean it up.
	if gc, err := os.ReadFile(filepath.Join(dir, "grandchild")); err == nil {
		if pid, _ := strconv.Atoi(string(gc)); pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
