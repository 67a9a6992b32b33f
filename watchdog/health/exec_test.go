package health

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog/config"
)

func TestExec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		argv    []string
		deps    Deps
		wantErr string
		detail  string
	}{
		{name: "true", argv: []string{"true"}, detail: "exit 0 in"},
		{name: "false", argv: []string{"false"}, wantErr: "false: exit status 1: output (none)"},
		{name: "output captured", argv: []string{"sh", "-c", "echo replica lag too high >&2; exit 3"},
			wantErr: `exit status 3: output "replica lag too high"`},
		{name: "first line in detail", argv: []string{"sh", "-c", "echo accepting connections; echo more"},
			detail: "exit 0 in", wantErr: ""},
		{name: "env", argv: []string{"sh", "-c", `test "$VIGIL_T" = yes`}, deps: Deps{Env: []string{"VIGIL_T=yes"}}},
		{name: "dir", argv: []string{"sh", "-c", `test "$(pwd)" = "` + dir + `"`}, deps: Deps{Dir: dir}},
		{name: "missing program", argv: []string{"/nonexistent/vigil-check"}, wantErr: "start /nonexistent/vigil-check"},
		{name: "sleep killed at timeout", argv: []string{"sleep", "5"}, wantErr: "killed (whole process group) after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			within(t, 3*time.Second, "exec check with timeout 500ms", func() {
				detail, err := runCheck(t, config.Check{Exec: &config.ExecCheck{Command: tc.argv}, Timeout: 500 * time.Millisecond}, tc.deps)
				checkOutcome(t, detail, err, tc.wantErr, tc.detail)
			})
		})
	}
}

func TestExecOutputBounded(t *testing.T) {
	_, err := runCheck(t, config.Check{Exec: &config.ExecCheck{Command: []string{"sh", "-c",
		`i=0; while [ $i -lt 2000 ]; do echo "line $i of noise"; i=$((i+1)); done; echo THE-END; exit 1`}},
		Timeout: 5 * time.Second}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "THE-END") {
		t.Fatalf("Check() error = %v, want the output's tail with THE-END", err)
	}
	if n := len(err.Error()); n > maxExecOutput+500 {
		t.Errorf("error is %d bytes, want <= %d (output bounded)", n, maxExecOutput+500)
	}
}

// TestExecTimeoutKillsWholeGroup pins that a timed-out check does not leave
// its children running: sh starts a background sleep and prints its pid.
func TestExecTimeoutKillsWholeGroup(t *testing.T) {
	_, err := runCheck(t, config.Check{Exec: &config.ExecCheck{Command: []string{"sh", "-c", "sleep 30 & echo child=$!; wait"}},
		Timeout: 300 * time.Millisecond}, Deps{})
	if err == nil {
		t.Fatal("Check() = nil, want timeout")
	}
	m := regexp.MustCompile(`child=(\d+)`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("error %q does not show the child's pid", err)
	}
	pid, _ := strconv.Atoi(m[1])
	if !exitsWithin(pid, 2*time.Second) {
		t.Fatalf("background child %d still running after the check timed out", pid)
	}
}

// exitsWithin reports whether pid exits (becomes a zombie or is gone) within
// d, waiting on a pidfd rather than polling.
func exitsWithin(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if err != nil {
		panic(err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(d.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n == 1
	}
}
