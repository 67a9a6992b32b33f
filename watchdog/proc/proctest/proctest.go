// Package proctest makes sure no process a test started outlives it, pass
// or fail, even when the code under test is broken (a watchdog that never
// sends SIGKILL, one that does not adopt, a service that setsid()s).
//
// Processes are found by an environment marker, which every descendant
// inherits (a service inherits its watchdog's environment): Mark gives one
// test's processes a marker and kills them in t.Cleanup; VerifyTestMain
// marks the whole test binary and kills whatever is left when the package's
// tests end. It is for tests only.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Env is the marker variable.
const Env = "VIGIL_TEST_TREE"

var seq atomic.Int64

// Mark returns a NAME=VALUE marker for the processes t starts (pass it in
// their environment) and, in t.Cleanup, SIGKILLs every process that still
// carries it, reporting how many there were.
func Mark(t testing.TB) string {
	t.Helper()
	marker := fmt.Sprintf("%s=%d-%d", Env, os.Getpid(), seq.Add(1))
	t.Cleanup(func() {
		if pids := Kill(marker); len(pids) > 0 {
			t.Logf("proctest: killed %d processes left by the test: %v", len(pids), pids)
		}
	})
	return marker
}

// Kill SIGKILLs every process (but this one) whose environment holds
// marker (NAME=VALUE, or NAME=VALUE-prefix for VerifyTestMain's) and
// returns their pids.
func Kill(marker string) []int {
	var killed []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, []byte(marker)) || bytes.HasPrefix(kv, []byte(marker+"-")) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed = append(killed, pid)
				}
				break
			}
		}
	}
	return killed
}

// VerifyTestMain is goleak.VerifyTestMain that also marks every process the
// package's tests start and kills those left when they end, printing them.
// A test binary that was itself started by a marked test (a re-executed
// helper) sweeps nothing: the marker is its parent's.
//
// A test that hangs until go test's -timeout panics, and neither t.Cleanup
// nor this sweep runs then; so the binary also starts a reaper: itself
// again, in a session of its own, which waits for the test binary to end
// however it ends, then kills what carries the marker.
func VerifyTestMain(m *testing.M, opts ...goleak.Option) {
	if parent := os.Getenv(reaperEnv); parent != "" {
		os.Exit(reap(parent))
	}
	if os.Getenv(Env) != "" {
		goleak.VerifyTestMain(m, opts...)
		return
	}
	marker := fmt.Sprintf("%s=%d", Env, os.Getpid())
	os.Setenv(Env, strconv.Itoa(os.Getpid()))
	startReaper(os.Getpid(), marker)
	goleak.VerifyTestMain(sweeping{m: m, marker: marker}, opts...)
}

// reaperEnv, in the reaper's environment, holds "PID MARKER".
const reaperEnv = "VIGIL_PROCTEST_REAPER"

// reaperMaxLife bounds the reaper: no test binary runs longer.
const reaperMaxLife = 3 * time.Hour

// startReaper starts the reaper of marker, which waits for pid; without
// one (it could not start) only the in-process sweeps remain, which is
// said on stderr.
func startReaper(pid int, marker string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Not marked itself: the sweeps must not kill the reaper.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, Env+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, reaperEnv+"="+strconv.Itoa(pid)+" "+marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "proctest: no reaper (%v): processes of a test that times out may outlive it\n", err)
		return
	}
	_ = cmd.Process.Release() // it outlives us on purpose
}

// reap waits (polling) until the test binary is gone, then kills every
// process with its marker.
func reap(arg string) int {
	pidText, marker, _ := strings.Cut(arg, " ")
	pid, err := strconv.Atoi(pidText)
	if err != nil || marker == "" {
		return 2
	}
	deadline := time.Now().Add(reaperMaxLife)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if pids := Kill(marker); len(pids) > 0 {
		fmt.Fprintf(os.Stderr, "proctest: killed %d processes that outlived test binary %d: %v\n", len(pids), pid, pids)
	}
	return 0
}

// sweeping runs the tests, then kills what they left.
type sweeping struct {
	m      *testing.M
	marker string
}

func (s sweeping) Run() int {
	code := s.m.Run()
	if pids := Kill(s.marker); len(pids) > 0 {
		fmt.Fprintf(os.Stderr, "proctest: %d processes outlived the tests and were killed: %v\n", len(pids), pids)
	}
	return code
}

// Start starts cmd, failing t if it cannot, and in t.Cleanup kills it and
// waits for it: for a child the test talks to until it ends (a Prometheus,
// a held port).
func Start(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}
