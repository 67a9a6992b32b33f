package chaos

import (
	"context"
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

// occupy builds the port fault for spec (params.port, default the
// service's reference port) against the container stack: the service is
// killed with the supervisor paused (faults.Pause), the port is bound from
// the host inside the container's network namespace, then handed to a
// `sleep` that joins the container's pid and network namespaces with
// nsenter, so the watchdog inside can see and name the holder.
// FROM-scratch images have no shell to do this from inside.
func (f *stackFaults) occupy(spec FaultSpec) (faults.Fault, error) {
	port, err := portParam(spec)
	if err != nil {
		return nil, err
	}
	return &faults.PortOccupy{
		Addr:       fmt.Sprintf("0.0.0.0:%d", port),
		Service:    spec.Target,
		Evict:      f.finder(),
		Supervisor: faults.PIDFunc(f.supervisorPID),
		Listen: func(ctx context.Context, addr string, timeout time.Duration) (net.Listener, error) {
			init, err := f.initPID(ctx, "")
			if err != nil {
				return nil, err
			}
			return listenInNetns(ctx, fmt.Sprintf("/proc/%d/ns/net", init), addr, timeout)
		},
		Holder: func(ctx context.Context, file *os.File) (*exec.Cmd, error) {
			init, err := f.initPID(ctx, "")
			if err != nil {
				return nil, err
			}
			// Without capabilities, so the watchdog in the container
			// (which has Docker's reduced set) may read the holder's fds
			// and name it.
			cmd := exec.Command("nsenter", "-t", strconv.Itoa(init), "-p", "-n", "--",
				"setpriv", "--bounding-set=-all", "--inh-caps=-all", "sleep", "infinity")
			cmd.ExtraFiles = []*os.File{file}
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			if err := cmd.Start(); err != nil {
				return nil, fmt.Errorf("port holder: nsenter: %w (util-linux provides nsenter and setpriv)", err)
			}
			return cmd, nil
		},
	}, nil
}

// listenInNetns binds addr inside the network namespace at nsPath with
// faults.ListenRetry, on a locked OS thread that then switches back to this
// process's namespace and returns to the scheduler. Only if switching back
// fails does the thread exit with the goroutine: a thread left in the
// container's namespace must never run other goroutines (and an exiting
// thread kills the Pdeathsig children it forked, so it is the last resort).
func listenInNetns(ctx context.Context, nsPath, addr string, timeout time.Duration) (net.Listener, error) {
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer home.Close()
		ns, err := os.Open(nsPath)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		ln, err := faults.ListenRetry(ctx, addr, timeout)
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{ln, err}
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
