package faults

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestProcessSignalsKillAndTerm(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(ProcessFinder) *Process
		want  syscall.Signal
		fname string
	}{
		{"kill", func(f ProcessFinder) *Process { return KillProcess("svc", f) }, syscall.SIGKILL, "process-kill"},
		{"term", func(f ProcessFinder) *Process { return TermProcess("svc", f) }, syscall.SIGTERM, "process-term"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startSleeper(t)
			f := tc.fault(pidOf(c))
			if f.Name() != tc.fname || f.Target() != "svc" {
				t.Errorf("Name, Target = %q, %q, want %q, svc", f.Name(), f.Target(), tc.fname)
			}
			revert := mustInject(context.Background(), t, f)
			var ee *exec.ExitError
			if err := c.waitExit(t); !errors.As(err, &ee) {
				t.Fatalf("Wait() = %v, want an exit by signal", err)
			}
			if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != tc.want {
				t.Fatalf("child ended with %v, want signal %v", ws, tc.want)
			}
			if err := revert.Run(context.Background()); err != nil {
				t.Errorf("revert() = %v, want nil (nothing to revert)", err)
			}
		})
	}
}

func TestFreezeProcessStopsThenRevertContinues(t *testing.T) {
	c := startSleeper(t)
	pid := c.pid()
	f := FreezeProcess("svc", pidOf(c))
	if f.Name() != "process-freeze" {
		t.Errorf("Name() = %q, want process-freeze", f.Name())
	}
	revert := mustInject(context.Background(), t, f)
	waitState(t, pid, "T")
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	waitState(t, pid, "S")
	// A second revert is harmless.
	if err := revert(context.Background()); err != nil {
		t.Fatalf("second revert() = %v", err)
	}
}

func TestFreezeRevertOfVanishedProcessSucceeds(t *testing.T) {
	c := startSleeper(t)
	revert := mustInject(context.Background(), t, FreezeProcess("svc", pidOf(c)))
	_ = c.cmd.Process.Kill() // the watchdog killed the frozen process
	c.waitExit(t)
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() of a gone process = %v, want nil", err)
	}
}

func TestFreezeProcessGroup(t *testing.T) {
	// A shell with a child: Group freezes both.
	sh := startChild(t, "sh", "-c", "sleep 300 & wait")
	var child int
	eventually(t, 10*time.Second, "shell's child started", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(sh.pid()), "task", strconv.Itoa(sh.pid()), "children"))
		if err != nil {
			return false, err.Error()
		}
		n, err := strconv.Atoi(string(trimSpace(b)))
		child = n
		return err == nil && n > 0, string(b)
	})
	f := &Process{Service: "svc", Signal: syscall.SIGSTOP, Finder: pidOf(sh), Signaler: HostSignaler{Group: true}}
	revert := mustInject(context.Background(), t, f)
	waitState(t, sh.pid(), "T")
	waitState(t, child, "T")
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	waitState(t, sh.pid(), "S")
	waitState(t, child, "S")
}

func TestProcessInjectErrors(t *testing.T) {
	pidErr := errors.New("status api down")
	for _, tc := range []struct {
		name string
		f    *Process
	}{
		{"no finder", &Process{Service: "svc", Signal: syscall.SIGKILL}},
		{"finder fails", KillProcess("svc", PIDFunc(func(context.Context, string) (int, error) { return 0, pidErr }))},
		{"pid 0", KillProcess("svc", PIDFunc(func(context.Context, string) (int, error) { return 0, nil }))},
		{"pid 1", KillProcess("svc", PIDFunc(func(context.Context, string) (int, error) { return 1, nil }))},
		{"gone pid", KillProcess("svc", PIDFile(filepath.Join(t.TempDir(), "missing.pid")))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f.Inject(context.Background()); err == nil {
				t.Fatalf("Inject() = nil, want an error")
			}
		})
	}
}

func TestPIDFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          int
		wantErr       bool
	}{
		{"pidfile", "4242\n", 4242, false},
		{"postmaster.pid", "123\n/var/lib/postgresql/data\n1700000000\n5432\n", 123, false},
		{"empty", "", 0, true},
		{"garbage", "abc\n", 0, true},
		{"negative", "-5\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := PIDFile(path).PID(context.Background(), "any")
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("PIDFile(%q) = %d, %v, want %d, error %v", tc.content, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestStatState(t *testing.T) {
	got, err := statState("42 (we ird) name)) T 1 2 3")
	if err != nil || got != "T" {
		t.Fatalf("statState() = %q, %v, want T", got, err)
	}
}

// waitState waits (bounded) until pid's /proc state is want.
func waitState(t *testing.T, pid int, want string) {
	t.Helper()
	eventually(t, 10*time.Second, "pid "+strconv.Itoa(pid)+" in state "+want, func() (bool, string) {
		got, err := procState(pid)
		if err != nil {
			return false, err.Error()
		}
		return got == want, got
	})
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
