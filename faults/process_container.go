package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ContainerSignaler signals processes inside a container's pid namespace by
// running `kill -s SIG PID` there (docker exec, via the shell's builtin
// kill, so the image needs /bin/sh). PID 1 of a container ignores signals
// it installed no handler for, even SIGKILL sent from inside: to crash a
// container's main process use KillContainer instead.
type ContainerSignaler struct {
	Docker    Execer
	Container string // name or id
}

var _ Signaler = ContainerSignaler{}

// Signal runs kill in the container. A pid that no longer exists there is
// reported as an error wrapping syscall.ESRCH.
func (c ContainerSignaler) Signal(ctx context.Context, pid int, sig syscall.Signal) error {
	_, err := dockerExec(ctx, c.Docker, c.Container, "sh", "-c", fmt.Sprintf("kill -s %s %d", signalName(sig), pid))
	var ee *execError
	if errors.As(err, &ee) && strings.Contains(strings.ToLower(ee.output), "no such process") {
		return fmt.Errorf("%w: %w", err, syscall.ESRCH)
	}
	return err
}

// ContainerPIDFile returns a ProcessFinder that reads a pid (in the
// container's namespace) from the first line of the file at path inside
// the container, e.g. "/var/lib/postgresql/data/postmaster.pid".
func ContainerPIDFile(d Execer, container, path string) PIDFunc {
	return func(ctx context.Context, _ string) (int, error) {
		out, err := dockerExec(ctx, d, container, "cat", path)
		if err != nil {
			return 0, err
		}
		return parsePID(out, container+":"+path)
	}
}

// ContainerProcess returns a fault that sends sig to the process of
// service inside container; f finds the pid in the container's namespace
// (e.g. ContainerPIDFile). SIGSTOP is reverted with SIGCONT.
func ContainerProcess(d Execer, container, service string, sig syscall.Signal, f ProcessFinder) *Process {
	return &Process{Service: service, Signal: sig, Finder: f, Signaler: ContainerSignaler{Docker: d, Container: container}}
}
