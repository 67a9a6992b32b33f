package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// wedgeTimeout bounds how long Wedge waits for every thread to stop.
const wedgeTimeout = 5 * time.Second

// Wedge stops every thread of a service's process under ptrace for the
// fault's duration. Like a freeze, the process stays alive, holds its
// sockets and answers nothing; unlike a SIGSTOP, which the watchdog's
// SIGCONT undoes, a ptrace-stopped process acts on no signal, SIGTERM and
// SIGCONT included: only SIGKILL ends it. It is the fault that proves the
// watchdog escalates to SIGKILL after the stop timeout. Revert detaches;
// the process then runs on and acts on whatever signal came meanwhile.
//
// The tracer is a goroutine locked to its OS thread (ptrace requests must
// come from the thread that attached); it reaps the threads' exit
// notifications so that the process's parent sees a SIGKILL at once.
type Wedge struct {
	// Service names the target; Finder resolves it to a pid in this
	// host's pid namespace.
	Service string
	Finder  ProcessFinder
}

var (
	_ Fault    = (*Wedge)(nil)
	_ Targeter = (*Wedge)(nil)
)

// Name is "process-wedge".
func (w *Wedge) Name() string { return "process-wedge" }

// Target is the service.
func (w *Wedge) Target() string { return w.Service }

// Inject ptrace-stops every thread of the service's process.
func (w *Wedge) Inject(ctx context.Context) (Revert, error) {
	if w.Finder == nil {
		return nil, fmt.Errorf("process-wedge %s: no ProcessFinder: set Finder", w.Service)
	}
	pid, err := w.Finder.PID(ctx, w.Service)
	if err != nil {
		return nil, fmt.Errorf("find pid of %s: %w", w.Service, err)
	}
	if pid <= 1 {
		return nil, fmt.Errorf("process-wedge %s: refusing pid %d", w.Service, pid)
	}
	t := &tracer{pid: pid, ready: make(chan error, 1), release: make(chan struct{}), done: make(chan struct{})}
	go t.run()
	if err := <-t.ready; err != nil {
		<-t.done
		return nil, fmt.Errorf("wedge %s (pid %d): %w", w.Service, pid, err)
	}
	return once(func(context.Context) error {
		select {
		case <-t.release:
		default:
			close(t.release)
		}
		<-t.done
		return nil
	}), nil
}

// tracer holds one process's threads ptrace-stopped until release.
type tracer struct {
	pid     int
	threads map[int]bool // seized and not yet gone
	ready   chan error   // one send: nil once every thread is stopped
	release chan struct{}
	done    chan struct{}
}

// run attaches, reports ready, reaps exits until release, then detaches.
// Its OS thread goes back to the scheduler only once it traces nothing; a
// thread that might still trace is left to exit with the goroutine (the
// kernel then detaches what is left). Letting a clean thread exit instead
// would be wrong too: a child this process forked from that thread with
// Pdeathsig (a port holder, a test helper) would be killed with it.
func (t *tracer) run() {
	defer close(t.done)
	runtime.LockOSThread()
	clean := false
	defer func() {
		if clean {
			runtime.UnlockOSThread()
		}
	}()
	t.threads = map[int]bool{}
	if err := t.seizeAll(); err != nil {
		clean = t.detach()
		t.ready <- err
		return
	}
	t.ready <- nil
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for len(t.threads) > 0 {
		select {
		case <-t.release:
			clean = t.detach()
			return
		case <-tick.C:
			t.reap()
		}
	}
	clean = true
}

// seizeAll seizes and interrupts every thread, rescanning until no new
// thread appears, then waits until each has stopped.
func (t *tracer) seizeAll() error {
	for {
		tids, err := threadIDs(t.pid)
		if err != nil {
			return err
		}
		added := 0
		for _, tid := range tids {
			if t.threads[tid] {
				continue
			}
			if err := unix.PtraceSeize(tid); err != nil {
				if errors.Is(err, syscall.ESRCH) {
					continue // the thread exited
				}
				return fmt.Errorf("ptrace seize %d: %w", tid, err)
			}
			t.threads[tid] = true
			added++
			if err := unix.PtraceInterrupt(tid); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("ptrace interrupt %d: %w", tid, err)
			}
		}
		if added == 0 {
			break
		}
	}
	if len(t.threads) == 0 {
		return fmt.Errorf("no such process (%w)", syscall.ESRCH)
	}
	deadline := time.Now().Add(wedgeTimeout)
	pending := map[int]bool{}
	for tid := range t.threads {
		pending[tid] = true
	}
	for len(pending) > 0 {
		for tid := range pending {
			var ws unix.WaitStatus
			got, err := unix.Wait4(tid, &ws, unix.WNOHANG|unix.WALL, nil)
			switch {
			case err != nil && !errors.Is(err, syscall.EINTR):
				delete(pending, tid)
				delete(t.threads, tid)
			case got == tid && (ws.Exited() || ws.Signaled()):
				delete(pending, tid)
				delete(t.threads, tid)
			case got == tid && ws.Stopped():
				delete(pending, tid)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d threads not stopped after %s", len(pending), wedgeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// reap collects the exit of threads killed meanwhile (SIGKILL is the one
// signal a ptrace-stopped thread acts on).
func (t *tracer) reap() {
	for tid := range t.threads {
		var ws unix.WaitStatus
		got, err := unix.Wait4(tid, &ws, unix.WNOHANG|unix.WALL, nil)
		if (err != nil && !errors.Is(err, syscall.EINTR)) || (got == tid && (ws.Exited() || ws.Signaled())) {
			delete(t.threads, tid)
		}
	}
}

// detach lets every remaining thread run again; it reports whether every
// one was detached or reaped.
//
// Threads are detached one by one, so the first ones run while the rest are
// still traced: if one of them acts on a signal that came meanwhile and the
// process exits (a pending SIGTERM, the usual case after a wedge), the
// threads not yet detached die traced. Detaching them fails (ESRCH), and a
// traced thread that died stays a zombie until its tracer reaps it, and its
// process with it: the process's parent would never learn that it exited.
// So a thread that cannot be detached is reaped.
func (t *tracer) detach() bool {
	var dying []int
	ok := true
	for tid := range t.threads {
		if err := unix.PtraceDetach(tid); errors.Is(err, syscall.ESRCH) {
			dying = append(dying, tid)
		} else if err != nil {
			ok = false
		}
		delete(t.threads, tid)
	}
	deadline := time.Now().Add(wedgeTimeout)
	for len(dying) > 0 {
		dying = slices.DeleteFunc(dying, func(tid int) bool {
			var ws unix.WaitStatus
			got, err := unix.Wait4(tid, &ws, unix.WNOHANG|unix.WALL, nil)
			switch {
			case err != nil && !errors.Is(err, syscall.EINTR):
				return true // ECHILD: reaped already, or never ours
			case got == tid && (ws.Exited() || ws.Signaled()):
				return true
			case got == tid && ws.Stopped():
				return unix.PtraceDetach(tid) == nil // it stopped after all
			}
			return false
		})
		if len(dying) > 0 && time.Now().After(deadline) {
			return false // the thread's exit with the goroutine detaches them
		}
		time.Sleep(time.Millisecond)
	}
	return ok
}

// threadIDs lists the thread ids of pid.
func threadIDs(pid int) ([]int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, fmt.Errorf("list threads of %d: %w", pid, err)
	}
	out := make([]int, 0, len(ents))
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, tid)
		}
	}
	return out, nil
}
