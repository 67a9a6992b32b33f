package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ProcessFinder finds the pid of a service's main process at the moment of
// injection (the pid changes with every restart, so it is never cached).
type ProcessFinder interface {
	PID(ctx context.Context, service string) (int, error)
}

// PIDFunc adapts a func to ProcessFinder: scenarios/ passes one backed by
// the watchdog's status API, so faults never imports the watchdog.
type PIDFunc func(ctx context.Context, service string) (int, error)

// PID calls f.
func (f PIDFunc) PID(ctx context.Context, service string) (int, error) { return f(ctx, service) }

// PIDFile returns a ProcessFinder that reads the pid from the first line of
// the file at path (a pidfile, or Postgres's postmaster.pid), whatever the
// service name.
func PIDFile(path string) PIDFunc {
	return func(context.Context, string) (int, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, fmt.Errorf("read pidfile: %w", err)
		}
		return parsePID(string(b), path)
	}
}

// parsePID reads a positive pid from the first line of s; from names s's
// origin in errors.
func parsePID(s, from string) (int, error) {
	line, _, _ := strings.Cut(s, "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("%s holds no pid on its first line (%q): is the process running?", from, line)
	}
	return pid, nil
}

// Signaler delivers a signal to a pid in some pid namespace: this host's
// (HostSignaler) or a container's (ContainerSignaler).
type Signaler interface {
	Signal(ctx context.Context, pid int, sig syscall.Signal) error
}

// HostSignaler signals processes in this host's pid namespace with kill(2).
type HostSignaler struct {
	// Group sends the signal to the process group -pid instead of pid
	// alone (the watchdog starts every service as a group leader).
	Group bool
}

// Signal sends sig to pid (or its group).
func (h HostSignaler) Signal(_ context.Context, pid int, sig syscall.Signal) error {
	target := pid
	if h.Group {
		target = -pid
	}
	if err := syscall.Kill(target, sig); err != nil {
		return fmt.Errorf("kill -%s %d: %w", signalName(sig), target, err)
	}
	return nil
}

var _ Signaler = HostSignaler{}

// Process signals one service's process: SIGKILL and SIGTERM are crashes
// and stops the watchdog must recover from; SIGSTOP freezes the process
// (alive but unresponsive) until the revert sends SIGCONT.
type Process struct {
	// Service names the target; Finder resolves it to a pid.
	Service string
	// Signal is SIGKILL, SIGTERM, SIGSTOP or any other signal.
	Signal syscall.Signal
	// Finder finds the service's pid at injection time.
	Finder ProcessFinder
	// Signaler delivers the signal; nil means HostSignaler{}.
	Signaler Signaler
	// Kind, if set, is the fault's Name (e.g. "postmaster-kill").
	Kind string
}

// KillProcess returns a fault that SIGKILLs service's process on this host.
func KillProcess(service string, f ProcessFinder) *Process {
	return &Process{Service: service, Signal: syscall.SIGKILL, Finder: f}
}

// TermProcess returns a fault that SIGTERMs service's process on this host.
func TermProcess(service string, f ProcessFinder) *Process {
	return &Process{Service: service, Signal: syscall.SIGTERM, Finder: f}
}

// FreezeProcess returns a fault that SIGSTOPs service's process on this
// host; its revert sends SIGCONT.
func FreezeProcess(service string, f ProcessFinder) *Process {
	return &Process{Service: service, Signal: syscall.SIGSTOP, Finder: f}
}

var (
	_ Fault    = (*Process)(nil)
	_ Targeter = (*Process)(nil)
)

// Name is Kind if set, else "process-freeze" for SIGSTOP and
// "process-<signal>" for others, e.g. "process-kill".
func (p *Process) Name() string {
	if p.Kind != "" {
		return p.Kind
	}
	if p.Signal == syscall.SIGSTOP {
		return "process-freeze"
	}
	return "process-" + strings.ToLower(signalName(p.Signal))
}

// Target is the service.
func (p *Process) Target() string { return p.Service }

// Inject finds the pid and sends the signal.
func (p *Process) Inject(ctx context.Context) (Revert, error) {
	if p.Finder == nil {
		return nil, fmt.Errorf("%s %s: no ProcessFinder: set Finder", p.Name(), p.Service)
	}
	pid, err := p.Finder.PID(ctx, p.Service)
	if err != nil {
		return nil, fmt.Errorf("find pid of %s: %w", p.Service, err)
	}
	if pid <= 1 {
		return nil, fmt.Errorf("find pid of %s: got pid %d: refusing to signal it (is the service running? a container's pid 1: use KillContainer)", p.Service, pid)
	}
	sig := p.signaler()
	if err := sig.Signal(ctx, pid, p.Signal); err != nil {
		return nil, fmt.Errorf("signal %s (pid %d): %w", p.Service, pid, err)
	}
	if p.Signal != syscall.SIGSTOP {
		return NoRevert, nil
	}
	return once(func(ctx context.Context) error {
		err := sig.Signal(ctx, pid, syscall.SIGCONT)
		if errors.Is(err, syscall.ESRCH) {
			return nil // gone (e.g. killed by the watchdog): nothing left frozen
		}
		if err != nil {
			return fmt.Errorf("thaw %s (pid %d): %w", p.Service, pid, err)
		}
		return nil
	}), nil
}

func (p *Process) signaler() Signaler {
	if p.Signaler == nil {
		return HostSignaler{}
	}
	return p.Signaler
}

// signalName is "KILL" for SIGKILL: the form kill -s and logs use.
func signalName(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return strings.TrimPrefix(n, "SIG")
	}
	return strconv.Itoa(int(sig))
}
