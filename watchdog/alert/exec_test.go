package alert

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

func TestExecPassesEventInEnv(t *testing.T) {
	dir := t.TempDir()
	envOut, stdinOut := filepath.Join(dir, "env"), filepath.Join(dir, "stdin")
	x := NewExec(config.ExecSink{Command: []string{"sh", "-c", `env > "$0"; cat > "$1"`, envOut, stdinOut}})
	a := testAlert("api")
	a.Since = a.Time.Add(-time.Minute)
	if err := x.Send(context.Background(), a); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	raw, err := os.ReadFile(envOut)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	want := map[string]string{
		"VIGIL_EVENT_KIND": "health",
		"VIGIL_SERVICE":    "api",
		"VIGIL_SEVERITY":   "critical",
		"VIGIL_REASON":     "check http-0: connection refused",
		"VIGIL_TEXT":       a.Text,
		"VIGIL_TIME":       "2025-03-01T12:00:00Z",
		"VIGIL_SINCE":      "2025-03-01T11:59:00Z",
		"VIGIL_ALERT_KEY":  "api/health",
		"VIGIL_RECOVERED":  "false",
		"VIGIL_REMINDER":   "false",
		"VIGIL_HEALTH":     "unhealthy",
		"VIGIL_HOST":       "h1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("command saw %s=%q, want %q", k, env[k], v)
		}
	}
	if env["PATH"] == "" {
		t.Errorf("command lost the watchdog's environment (PATH empty)")
	}
	lines := readLines(t, stdinOut)
	if len(lines) != 1 || lines[0]["key"] != "api/health" {
		t.Errorf("stdin JSON = %v, want the alert with key api/health", lines)
	}
}

func TestExecFailureShowsOutput(t *testing.T) {
	x := NewExec(config.ExecSink{Command: []string{"sh", "-c", "echo pager down >&2; exit 3"}})
	err := x.Send(context.Background(), testAlert("api"))
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "pager down") {
		t.Fatalf("Send = %v, want exit status 3 and the command's stderr", err)
	}
}

func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The grandchild sleeps in the background: only a group kill reaches it.
	x := NewExec(config.ExecSink{Command: []string{"sh", "-c", `sleep 60 & echo $! > "$0"; wait`, pidFile}})
	x.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := x.Send(context.Background(), testAlert("api"))
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "killed after") {
		t.Fatalf("Send = %v, want a timeout error", err)
	}
	if took > 10*time.Second {
		t.Fatalf("Send took %s with a 200ms timeout", took)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("grandchild pid not written: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "grandchild sleep "+strconv.Itoa(pid)+" to die", func() bool { return dead(pid) })
}

// dead reports whether pid is gone or a zombie (killed, not yet reaped by init).
func dead(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// Fields after the ")" that ends the command name: state is first.
	rest := stat[strings.LastIndexByte(string(stat), ')')+1:]
	f := strings.Fields(string(rest))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// waitFor polls cond until it holds or limit passes; for outcomes that
// arrive without a signal to wait on (a process dying, a file line).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("waited %s for %s", limit, what)
		case <-tick.C:
		}
	}
}
