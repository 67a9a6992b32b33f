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
// use. The listening socket is handed to a child process ("sleep
// infinity") and closed in this one, so the watchdog sees a holder pid and
// command other than its own and other than the test's. Revert kills the
// holder, which frees the port.
type PortOccupy struct {
	// Addr is the service's listen address, e.g. "127.0.0.1:5103".
	Addr string
	// Service names the target in the journal (optional).
	Service string
	// Before runs first, e.g. to kill the service so its restart finds
	// the port taken. Binding is then retried until the port is free or
	// BindTimeout passes.
	Before func(ctx context.Context) error
	// BindTimeout defaults to DefaultBindTimeout.
	BindTimeout time.Duration

	mu  sync.Mutex
	pid int
}

// OccupyPort returns a fault that holds addr, running before (may be nil)
// first.
func OccupyPort(service, addr string, before func(ctx context.Context) error) *PortOccupy {
	return &PortOccupy{Addr: addr, Service: service, Before: before}
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

// Inject runs Before, binds Addr and hands the socket to the holder.
func (o *PortOccupy) Inject(ctx context.Context) (Revert, error) {
	if o.Before != nil {
		if err := o.Before(ctx); err != nil {
			return nil, fmt.Errorf("occupy %s: before: %w", o.Addr, err)
		}
	}
	ln, err := o.bind(ctx)
	if err != nil {
		return nil, err
	}
	f, err := ln.File() // a dup: the holder inherits it
	ln.Close()
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	defer f.Close()
	cmd, err := startHolder(f)
	if err != nil {
		return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
	}
	o.mu.Lock()
	o.pid = cmd.Process.Pid
	o.mu.Unlock()
	return once(func(context.Context) error {
		_ = cmd.Process.Kill()
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

// bind listens on Addr, retrying while it is in use, up to BindTimeout.
func (o *PortOccupy) bind(ctx context.Context) (*net.TCPListener, error) {
	timeout := o.BindTimeout
	if timeout <= 0 {
		timeout = DefaultBindTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		ln, err := net.Listen("tcp", o.Addr)
		if err == nil {
			return ln.(*net.TCPListener), nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("occupy %s: %w", o.Addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("occupy %s: still in use after %s (%w): is the service still running, or does the watchdog hold the socket for it?", o.Addr, timeout, err)
		case <-tick.C:
		}
	}
}

// startHolder starts "sleep infinity" holding f as fd 3. It runs in its own
// process group and dies with the thread that started it (Pdeathsig), so a
// crashed test leaves no holder behind.
func startHolder(f *os.File) (*exec.Cmd, error) {
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
