package health

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// maxExecOutput bounds the combined output kept from one exec check run.
const maxExecOutput = 4 << 10

// execWaitDelay is how long Wait waits for the output pipes after the
// command was killed (a grandchild outside the group may hold them).
const execWaitDelay = 500 * time.Millisecond

// execChecker runs a command in its own process group; on timeout the whole
// group is killed, and any members left after a normal exit are killed too.
type execChecker struct {
	argv   []string
	env    []string
	dir    string
	redact func(string) string
}

var _ Checker = execChecker{}

func newExec(cfg config.ExecCheck, deps Deps) (execChecker, error) {
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return execChecker{}, errors.New("exec.command is empty: set the program and its arguments, e.g. [pg_isready, -q]")
	}
	redact := deps.Redact
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return execChecker{argv: cfg.Command, env: deps.Env, dir: deps.Dir, redact: redact}, nil
}

// Check runs the command and passes when it exits 0 before ctx is done.
func (e execChecker) Check(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, e.argv[0], e.argv[1:]...)
	cmd.Env, cmd.Dir = e.env, e.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = execWaitDelay
	out := &tailBuffer{max: maxExecOutput}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", e.argv[0], err)
	}
	err := cmd.Wait()
	// Leftover members (a backgrounded child) must not pile up across runs.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	elapsed := time.Since(start)
	text := e.redact(out.String())
	detail := fmt.Sprintf("exit 0 in %s", ms(elapsed))
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s killed (whole process group) after %s: no exit before the check's timeout: output %s",
			e.argv[0], ms(elapsed), quoteOutput(text))
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w: output %s", e.argv[0], err, quoteOutput(text))
	}
	if text != "" {
		detail += ": " + firstLine(text)
	}
	return detail, nil
}

func quoteOutput(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", strings.TrimSpace(s))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// tailBuffer keeps the last max bytes written to it; stdout and stderr write
// to it from separate goroutines.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	lost bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.lost = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost {
		return "…" + string(t.buf)
	}
	return string(t.buf)
}
