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
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"

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
func VerifyTestMain(m *testing.M, opts ...goleak.Option) {
	if os.Getenv(Env) != "" {
		goleak.VerifyTestMain(m, opts...)
		return
	}
	os.Setenv(Env, strconv.Itoa(os.Getpid()))
	goleak.VerifyTestMain(sweeping{m: m, marker: fmt.Sprintf("%s=%d", Env, os.Getpid())}, opts...)
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
