package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
)

// DefaultExecTimeout bounds an alert command.
const DefaultExecTimeout = 10 * time.Second

// Exec runs a command for each alert, with the alert in VIGIL_* environment
// variables (listed in docs/alerts.md) and as JSON on stdin. The command runs
// in its own process group; on timeout or cancellation the whole group is
// killed, so a hanging script cannot outlive the alert.
type Exec struct {
	// Command is the argv; no shell is involved unless it names one.
	Command []string
	// Timeout bounds one run. Default DefaultExecTimeout.
	Timeout time.Duration
}

var _ Sink = (*Exec)(nil)

// NewExec returns an Exec sink for cfg.
func NewExec(cfg config.ExecSink) *Exec {
	return &Exec{Command: cfg.Command, Timeout: DefaultExecTimeout}
}

// Send runs the command and waits for it. A non-zero exit, a timeout or a
// failure to start is an error that includes the start of its output.
func (x *Exec) Send(ctx context.Context, a Alert) error {
	if len(x.Command) == 0 {
		return errors.New("exec alert: empty command: set exec.command")
	}
	payload, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alert %s: %w", a.Key, err)
	}
	ctx, cancel := context.WithTimeout(ctx, orDefault(x.Timeout, DefaultExecTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, x.Command[0], x.Command[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Negative pid: the whole group the command leads.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = time.Second // grandchildren holding the pipes cannot stall us
	cmd.Env = append(os.Environ(), Env(a)...)
	cmd.Stdin = bytes.NewReader(payload)
	out := &capped{max: 2048}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("exec alert %s: killed after %s: %w: make the command finish sooner",
			x.Command[0], orDefault(x.Timeout, DefaultExecTimeout), context.Cause(ctx))
	}
	if err != nil {
		return fmt.Errorf("exec alert %s: %w: output: %q", x.Command[0], err, out.String())
	}
	return nil
}

// Env returns the VIGIL_* variables an exec sink passes for a.
func Env(a Alert) []string {
	ev := a.Event
	env := []string{
		"VIGIL_ALERT_KEY=" + a.Key,
		"VIGIL_EVENT_KIND=" + string(a.Kind),
		"VIGIL_SERVICE=" + a.Service,
		"VIGIL_SEVERITY=" + string(a.Severity),
		"VIGIL_REASON=" + ev.Reason,
		"VIGIL_TEXT=" + a.Text,
		"VIGIL_TIME=" + a.Time.UTC().Format(time.RFC3339Nano),
		"VIGIL_RECOVERED=" + strconv.FormatBool(a.Recovered),
		"VIGIL_REMINDER=" + strconv.FormatBool(a.Reminder),
		"VIGIL_SUPPRESSED=" + strconv.Itoa(a.Suppressed),
		"VIGIL_HOST=" + a.Host,
		"VIGIL_HEALTH=" + string(ev.Health),
		"VIGIL_CHECK=" + ev.Check,
		"VIGIL_PID=" + strconv.Itoa(ev.PID),
	}
	if !a.Since.IsZero() {
		env = append(env, "VIGIL_SINCE="+a.Since.UTC().Format(time.RFC3339Nano))
	}
	if ev.Kind == watchdog.EventStateChange {
		env = append(env, "VIGIL_STATE="+ev.To.String(), "VIGIL_FROM_STATE="+ev.From.String())
	}
	if ev.ExitCode != nil {
		env = append(env, "VIGIL_EXIT_CODE="+strconv.Itoa(*ev.ExitCode))
	}
	return env
}

// capped is an io.Writer keeping the first max bytes.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.buf.String() }
