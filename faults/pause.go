package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// pauseTimeout bounds how long Pause waits for every thread of a process to
// stop.
const pauseTimeout = 5 * time.Second

// Pause stops the process pid (SIGSTOP, as seen in this host's pid
// namespace) and returns once every one of its threads is stopped, so that
// it cannot act until the returned resume (SIGCONT) runs. A fault uses it
// to take a step that must not race the process: the port fault pauses the
// watchdog while it kills a service and takes the port, so the restart
// cannot bind first. resume is safe to call more than once and reports
// nothing when the process has gone meanwhile.
func Pause(ctx context.Context, pid int) (resume func() error, err error) {
	if pid <= 1 {
		return nil, fmt.Errorf("pause pid %d: refusing to stop it", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("pause pid %d: %w", pid, err)
	}
	resumed := false
	resume = func() error {
		if resumed {
			return nil
		}
		resumed = true
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("resume pid %d: %w", pid, err)
		}
		return nil
	}
	if err := waitStopped(ctx, pid, pauseTimeout); err != nil {
		return nil, errors.Join(err, resume())
	}
	return resume, nil
}

// waitStopped polls /proc until every thread of pid is in the stopped
// state, for at most timeout. kill(SIGSTOP) returns before a thread that is
// running on another CPU has stopped.
func waitStopped(ctx context.Context, pid int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		running, err := runningThreads(pid)
		if err != nil {
			return fmt.Errorf("pause pid %d: %w", pid, err)
		}
		if running == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pause pid %d: thread %s not stopped after %s", pid, running, timeout)
		case <-tick.C:
		}
	}
}

// runningThreads returns the first thread of pid not yet stopped ("" when
// all are), reading /proc/<pid>/task/<tid>/stat.
func runningThreads(pid int) (string, error) {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil {
		return "", err
	}
	if len(stats) == 0 {
		return "", fmt.Errorf("no such process (%w)", syscall.ESRCH)
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // a thread that exited
		}
		if err != nil {
			return "", err
		}
		st, err := statState(string(b))
		if err != nil {
			return "", err
		}
		if !strings.ContainsAny(st, "TtZX") { // stopped, traced, or gone

			return filepath.Base(filepath.Dir(path)) + " (" + st + ")", nil
		}
	}
	return "", nil
}

// statState parses the state field of a /proc/<pid>/stat line: the comm
// field may hold spaces and parentheses, so parse after the last ')'.
func statState(stat string) (string, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+3 > len(stat) {
		return "", fmt.Errorf("bad stat line %q", stat)
	}
	return stat[i+2 : i+3], nil
}
