package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/faults"
)

// nsOccupy kills a service in a container and holds its port there, so
// the watchdog's restart finds it taken. The port is bound from the host
// inside the container's network namespace (the runner must win the race
// with the restart), then handed to a `sleep` that joins the container's
// pid and network namespaces with nsenter, so the watchdog inside can see
// and name the holder. FROM-scratch images have no shell to do this from
// inside.
type nsOccupy struct {
	service string
	port    int
	kill    faults.Fault                               // kills the service first
	initPID func(context.Context, string) (int, error) // the container's PID 1 on the host
}

var _ faults.Fault = (*nsOccupy)(nil)

func (o *nsOccupy) Name() string   { return "port-occupy" }
func (o *nsOccupy) Target() string { return fmt.Sprintf("%s :%d", o.service, o.port) }

// occupy builds the port fault for spec (params.port, default the
// service's reference port).
func (f *stackFaults) occupy(spec FaultSpec) (faults.Fault, error) {
	port, err := portParam(spec)
	if err != nil {
		return nil, err
	}
	return &nsOccupy{service: spec.Target, port: port, initPID: f.initPID,
		kill: &faults.Process{Service: spec.Target, Signal: syscall.SIGKILL, Finder: f.finder(), Signaler: faults.HostSignaler{}}}, nil
}

// Inject kills the service, binds its port and starts the holder.
func (o *nsOccupy) Inject(ctx context.Context) (faults.Revert, error) {
	init, err := o.initPID(ctx, "")
	if err != nil {
		return nil, err
	}
	if _, err := o.kill.Inject(ctx); err != nil {
		return nil, err
	}
	ln, err := listenInNetns(ctx, fmt.Sprintf("/proc/%d/ns/net", init), fmt.Sprintf("0.0.0.0:%d", o.port), faults.DefaultBindTimeout)
	if err != nil {
		return nil, fmt.Errorf("occupy %s port %d: %w", o.service, o.port, err)
	}
	file, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	// Without capabilities, so the watchdog in the container (which has
	// Docker's reduced set) may read the holder's fds and name it.
	cmd := exec.Command("nsenter", "-t", strconv.Itoa(init), "-p", "-n", "--",
		"setpriv", "--bounding-set=-all", "--inh-caps=-all", "sleep", "infinity")
	cmd.ExtraFiles = []*os.File{file}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("port holder: nsenter: %w (util-linux provides nsenter and setpriv)", err)
	}
	pgid := cmd.Process.Pid
	return func(context.Context) error {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return fmt.Errorf("release port %d: %w", o.port, err)
		}
		return nil
	}, nil
}

// listenInNetns binds addr inside the network namespace at nsPath,
// retrying while it is in use for at most timeout. The binding goroutine
// locks its OS thread and never unlocks it: the thread, whose namespace
// was switched, exits with the goroutine instead of going back to the
// scheduler.
func listenInNetns(ctx context.Context, nsPath, addr string, timeout time.Duration) (net.Listener, error) {
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	deadline := time.Now().Add(timeout)
	go func() {
		runtime.LockOSThread()
		ns, err := os.Open(nsPath)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			ln, err := net.Listen("tcp", addr)
			if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
				ch <- result{ln, err}
				return
			}
			select {
			case <-ctx.Done():
				ch <- result{err: context.Cause(ctx)}
				return
			case <-tick.C:
			}
		}
	}()
	r := <-ch
	return r.ln, r.err
}

// portParam reads params.port, defaulting to the reference service's port.
func portParam(spec FaultSpec) (int, error) {
	if v, ok := spec.Params["port"]; ok {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("params.port %q is not a TCP port", v)
		}
		return p, nil
	}
	if p, ok := map[string]int{"pgapi": 5101, "bankapi": 5102, "reconapi": 5103}[spec.Target]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("give params.port for %s", spec.Target)
}

// durations parses the named duration params (missing ones are 0).
func durations(params map[string]string, names ...string) (time.Duration, time.Duration, error) {
	out := make([]time.Duration, 2)
	for i, n := range names[:min(2, len(names))] {
		v, ok := params[n]
		if !ok {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, 0, fmt.Errorf("params.%s %q: %w", n, v, err)
		}
		out[i] = d
	}
	return out[0], out[1], nil
}
