package faults

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// helperEnv re-executes the test binary as a helper child process
// (os/exec's TestMain pattern): "listen ADDR" holds a TCP listener on ADDR
// and prints "ready" once bound.
const helperEnv = "VIGIL_FAULTS_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(helper(h))
	}
	goleak.VerifyTestMain(m)
}

func helper(h string) int {
	verb, arg, _ := strings.Cut(h, " ")
	switch verb {
	case "listen":
		ln, err := net.Listen("tcp", arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer ln.Close()
		fmt.Println("ready")
		time.Sleep(5 * time.Minute) // killed by the test long before
		return 0
	case "hold": // keeps the inherited fd 3
		time.Sleep(5 * time.Minute)
		return 0
	case "supervise":
		return supervise(arg)
	case "termwait": // exits 0 on SIGTERM, after at most five minutes anyway
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM)
		fmt.Println("ready")
		select {
		case <-sigs:
			return 0
		case <-time.After(5 * time.Minute):
			return 1
		}
	case "parent": // runs a termwait child, prints its pid, then how it ended
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=termwait")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		_, _ = bufio.NewReader(out).ReadString('\n')
		fmt.Println(cmd.Process.Pid)
		err := cmd.Wait()
		fmt.Printf("child ended: %v\n", err)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", h)
	return 2
}

// supervise keeps a child holding a socket listening on addr: when the
// child exits it binds addr again at once (retrying every 100µs while the
// port is taken), faster than a fault's bind retry, and hands the socket to
// a new child, as the watchdog's restart does within milliseconds. It runs
// for at most five minutes; its children die with it.
func supervise(addr string) int {
	fmt.Println("ready")
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		f, err := ln.(*net.TCPListener).File()
		ln.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=hold")
		cmd.ExtraFiles = []*os.File{f}
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		err = cmd.Start()
		f.Close()
		if err == nil {
			_ = cmd.Wait()
		}
	}
	return 0
}

// startHelper starts the helper child and waits (bounded) for "ready". The
// child is killed and reaped in t.Cleanup.
func startHelper(t *testing.T, h string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+h)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-waited
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("helper said %q", line)
		}
		ready <- err
		// Wait only after the pipe read is done (exec.Cmd's rule).
		waited <- cmd.Wait()
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("helper %q: %v", h, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("helper %q not ready after 30s", h)
	}
	return cmd
}

// child is a real child process; done closes once it is reaped, and err
// is its Wait result from then on.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startSleeper starts "sleep 300" as a real child in its own process group,
// killed and reaped in t.Cleanup.
func startSleeper(t *testing.T) *child {
	t.Helper()
	return startChild(t, "sleep", "300")
}

// startChild starts name args in its own process group; t.Cleanup kills
// the group and reaps the child.
func startChild(t *testing.T, name string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(name, args...), done: make(chan struct{})}
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGCONT)
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Errorf("child %d not reaped after 10s", c.cmd.Process.Pid)
		}
	})
	return c
}

// pid is the child's pid.
func (c *child) pid() int { return c.cmd.Process.Pid }

// waitExit waits (bounded) for the child to exit and returns its Wait error.
func (c *child) waitExit(t *testing.T) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(10 * time.Second):
		t.Fatalf("child %d still alive after 10s", c.pid())
		return nil
	}
}

// procState is the state letter of /proc/<pid>/stat (R, S, T, Z, ...).
func procState(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	return statState(string(b))
}

// eventually polls cond every 10ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not true after %s (last: %s)", what, d, last)
		case <-tick.C:
		}
	}
}

// pidOf is a ProcessFinder that returns the pid of c for any service.
func pidOf(c *child) PIDFunc {
	return func(context.Context, string) (int, error) { return c.pid(), nil }
}

// requireCI fails under CI=true and skips loudly otherwise.
func requireCI(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("PREREQUISITE MISSING (CI=true): %s", msg)
	}
	t.Skipf("SKIPPING: %s", msg)
}
