// Package pid1 is what runs as PID 1 in a container (or as a child
// subreaper anywhere): it starts the supervisor as its child, forwards
// SIGTERM/SIGINT/SIGHUP to it, reaps every orphan that is re-parented to it,
// and starts the supervisor again if it dies without being asked to stop —
// the new supervisor adopts the services the old one left running, so they
// keep serving while the watchdog itself restarts.
package pid1

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Options configure Run.
type Options struct {
	// Argv is the supervisor's command line (argv[0] is a path).
	Argv []string
	// MinBackoff and MaxBackoff bound the pause before restarting a
	// supervisor that died quickly. Defaults 100ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
}

// Run starts the supervisor and keeps it running until ctx ends or a stop
// signal arrives; then it forwards SIGTERM, waits for the supervisor to exit
// and returns its exit code. It becomes a child subreaper so that orphans are
// reaped even when it is not PID 1.
func Run(ctx context.Context, opts Options) (int, error) {
	if len(opts.Argv) == 0 {
		return 2, errors.New("pid1: no command")
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 1, fmt.Errorf("pid1: become subreaper: %w", err)
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	r := &runner{opts: opts, log: opts.Logger, backoff: opts.MinBackoff}
	return r.loop(ctx, sigs)
}

type runner struct {
	opts     Options
	log      *slog.Logger
	child    int
	started  time.Time
	stopping bool
	backoff  time.Duration
}

func (r *runner) start() error {
	p, err := os.StartProcess(r.opts.Argv[0], r.opts.Argv, &os.ProcAttr{
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Env:   os.Environ(),
	})
	if err != nil {
		return fmt.Errorf("pid1: start %s: %w", r.opts.Argv[0], err)
	}
	r.child, r.started = p.Pid, time.Now()
	_ = p.Release() // we reap it ourselves with wait4(-1)
	r.log.Info("supervisor started", "pid", r.child)
	return nil
}

func (r *runner) loop(ctx context.Context, sigs <-chan os.Signal) (int, error) {
	if err := r.start(); err != nil {
		return 1, err
	}
	var restart <-chan time.Time
	done := ctx.Done()
	for {
		select {
		case <-done:
			done = nil
			r.stop(syscall.SIGTERM)
		case <-restart:
			restart = nil
			if err := r.start(); err != nil {
				return 1, err
			}
		case sig := <-sigs:
			switch sig {
			case syscall.SIGCHLD:
				if code, exited := r.reap(); exited {
					if r.stopping {
						return code, nil
					}
					d := r.nextBackoff()
					r.log.Error("supervisor died; restarting it (it will adopt the running services)", "exit", code, "in", d)
					restart = time.After(d)
				}
			case syscall.SIGHUP:
				if r.child != 0 {
					_ = syscall.Kill(r.child, syscall.SIGHUP)
				}
			default:
				r.stop(sig.(syscall.Signal))
				if r.child == 0 {
					return 0, nil
				}
			}
		}
	}
}

// stop forwards a stop signal and stops restarting.
func (r *runner) stop(sig syscall.Signal) {
	r.stopping = true
	if r.child != 0 {
		_ = syscall.Kill(r.child, sig)
	}
}

// reap collects every exited child; it reports the supervisor's exit code
// when the supervisor was among them.
func (r *runner) reap() (code int, supervisorExited bool) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return code, supervisorExited
		}
		if pid == r.child {
			r.child, supervisorExited = 0, true
			code = ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		}
	}
}

// nextBackoff restarts at once after a stable run, else doubles the pause.
func (r *runner) nextBackoff() time.Duration {
	if time.Since(r.started) > 10*time.Second {
		r.backoff = r.opts.MinBackoff
		return 0
	}
	d := r.backoff
	r.backoff = min(2*r.backoff, r.opts.MaxBackoff)
	return d
}
