package refapitest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

// Build compiles the main package pkg (an import path) into t.TempDir and
// returns the binary's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// Process is a service binary running as a child with a socket handed over
// through LISTEN_FDS.
type Process struct {
	// URL is http://<handed-over address>.
	URL string
	// Addr is the listening address.
	Addr string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	out  *proctest.Buffer
}

// StartProcess runs bin with env (added to the test's environment) on a
// fresh loopback listener passed as fd 3 (LISTEN_FDS=1, LISTEN_PID set by a
// shell that then execs bin, as a supervisor would). It waits up to 30s for
// GET /health to answer 200. t.Cleanup kills the process if still running
// and logs its output when t failed.
func StartProcess(t testing.TB, bin string, env ...string) *Process {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.(*net.TCPListener).File()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{Addr: l.Addr().String(), done: make(chan struct{}), out: &proctest.Buffer{}}
	p.URL = "http://" + p.Addr
	p.cmd = exec.Command("/bin/sh", "-c", `LISTEN_PID=$$; LISTEN_FDS=1; export LISTEN_PID LISTEN_FDS; exec "$0"`, bin)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.ExtraFiles = []*os.File{f}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = p.cmd.Start()
	f.Close() // the child holds the only copy: closing it there stops accepting
	if err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			out := p.out.String()
			if len(out) > 4096 {
				out = "..." + out[len(out)-4096:]
			}
			t.Logf("%s output (tail):\n%s", filepath.Base(bin), out)
		}
	})
	if err := p.waitHealthy(30 * time.Second); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, p.out.String())
	}
	return p
}

func (p *Process) waitHealthy(bound time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return p.err
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits up to bound for exit and returns the exit error (nil for 0).
func (p *Process) Wait(bound time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(bound):
		return context.DeadlineExceeded
	}
}

// Output returns what the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// WaitFor polls cond every 20ms until it holds, failing t after bound.
func WaitFor(t testing.TB, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(bound)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s", bound, what)
		case <-tick.C:
		}
	}
}
