package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// DefaultBindTimeout bounds how long PortOccupy retries binding a port that
// its service is still releasing.
const DefaultBindTimeout = 5 * time.Second

// PortOccupy takes a service's TCP port so that its next start finds it in
// use. The listening socket is handed to a holder process ("sleep
// infinity") and closed in this one, so the watchdog sees a holder pid and
// command other than its own and other than the test's. Revert kills the
// holder's process group, which frees the port.
//
// With Evict and Supervisor set, the fault never races the restart: the
// supervisor is paused (Pause) while the service is killed and its
// port taken, and resumes to find the port held.
type PortOccupy struct {
	// Addr is the service's listen address, e.g. "127.0.0.1:5103".
	Addr string
	// Service names the target in the journal (optional).
	Service string
	// Evict, if set, finds the service's process (its pid in this host's
	// namespace), which Inject SIGKILLs so that the restart finds the
	// port taken. Binding is retried until the port is free or
	// BindTimeout passes.
	Evict ProcessFinder
	// Supervisor, if set, finds the process that restarts the evicted
	// service (the watchdog). Inject pauses it from before the
	// kill until the holder owns the port.
	Supervisor ProcessFinder
	// Listen binds addr, retrying while it is in use for at most timeout;
	// nil means ListenRetry in this process's network namespace.
	Listen func(ctx context.Context, addr string, timeout time.Duration) (net.Listener, error)
	// Holder starts the process that keeps the port, with the listening
	// socket as fd 3, in a process group of its own; nil means a "sleep
	// infinity" child of this process.
	Holder func(ctx context.Context, f *os.File) (*exec.Cmd, error)
	// BindTimeout defaults to DefaultBindTimeout.
	BindTimeout time.Duration

	mu  sync.Mutex
	pid int
}

// OccupyPort returns a fault that holds addr; a non-nil evict finds the
// service's process, killed first.
func OccupyPort(service, addr string, evict ProcessFinder) *PortOccupy {
	return &PortOccupy{Addr: addr, Service: service, Evict: evict}
}

var (
	_ Fault    = (*PortOccupy)(nil)
	_ Targeter = (*PortOccupy)(nil)
)

// Name is "port-occupy".
func (o *PortOccupy) Name() string { return "port-occupy" }

// Target is "service addr", or addr without a service.
func (o *PortOccupy) Target() string {
	if o.Service == "" {
		return o.Addr
	}
	return o.Service + " " + o.Addr
}

// HolderPID is the pid of the process holding the port since the last
// Inject, or 0 when none holds it.
func (o *PortOccupy) HolderPID() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pid
}

// Inject evicts the service (holding its supervisor), binds Addr and hands
// the socket to the holder.
func (o *PortOccupy) Inject(ctx context.Context) (_ Revert, err error) {
	if o.Evict != nil {
		// Find the pid first: the supervisor, once held, answers nothing.
		pid, err := o.Evict.PID(ctx, o.Service)
		if err != nil {
			return nil, fmt.Errorf("occupy %s: find pid of %s: %w", o.Addr, o.Service, err)
		}
		if o.Supervisor != nil {
			resume, err := o.pauseSupervisor(ctx)
			if err != nil {
				return nil, err
			}
			defer func() { err = errors.Join(err, resume()) }()
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return nil, fmt.Errorf("occupy %s: kill %s (pid %d): %w", o.Addr, o.Service, pid, err)
		}
	}
	return o.take(ctx)
}

// pauseSupervisor finds and pauses the supervisor.
func (o *PortOccupy) pauseSupervisor(ctx context.Context) (func() error, error) {
	spid, err := o.Supervisor.PID(ctx, "watchdog")
	if err != nil {
		return nil, fmt.Errorf("occupy %s: find the supervisor: %w", o.Addr, err)
	}
	resume, err := Pause(ctx, spid)
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	return resume, nil
}

// take binds Addr and starts the holder.
func (o *PortOccupy) take(ctx context.Context) (Revert, error) {
	timeout := o.BindTimeout
	if timeout <= 0 {
		timeout = DefaultBindTimeout
	}
	listen := o.Listen
	if listen == nil {
		listen = ListenRetry
	}
	ln, err := listen(ctx, o.Addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	f, err := ln.(*net.TCPListener).File() // a dup: the holder inherits it
	ln.Close()
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	defer f.Close()
	holder := o.Holder
	if holder == nil {
		holder = startHolder
	}
	cmd, err := holder(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	o.mu.Lock()
	o.pid = cmd.Process.Pid
	o.mu.Unlock()
	return once(func(context.Context) error {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err := cmd.Wait()
		o.mu.Lock()
		o.pid = 0
		o.mu.Unlock()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return fmt.Errorf("release %s: wait for holder: %w", o.Addr, err)
		}
		return nil
	}), nil
}

// ListenRetry listens on TCP addr, retrying while it is in use (a killed
// service's socket is released when the kernel has closed its files) for
// at most timeout. It binds in the calling thread's network namespace.
func ListenRetry(ctx context.Context, addr string, timeout time.Duration) (net.Listener, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("still in use after %s (%w): is the service still running, or does the watchdog hold the socket for it?", timeout, err)
		case <-tick.C:
		}
	}
}

// startHolder starts "sleep infinity" holding f as fd 3. It runs in its own
// process group and dies with the thread that started it (Pdeathsig), so a
// crashed test leaves no holder behind.
func startHolder(_ context.Context, f *os.File) (*exec.Cmd, error) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return nil, fmt.Errorf("port holder: %w: install coreutils", err)
	}
	cmd := exec.Command(sleep, "infinity")
	cmd.ExtraFiles = []*os.File{f}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start port holder: %w", err)
	}
	return cmd, nil
}
