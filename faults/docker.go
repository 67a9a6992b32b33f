package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// This file and the other docker*.go / *_container.go files are the only
// ones that know about Docker. Both *client.Client and testcontainers'
// *DockerClient (which embeds it) satisfy these interfaces.

// ContainerControl is the part of the Docker API the container faults use.
type ContainerControl interface {
	ContainerKill(ctx context.Context, container string, options client.ContainerKillOptions) (client.ContainerKillResult, error)
	ContainerPause(ctx context.Context, container string, options client.ContainerPauseOptions) (client.ContainerPauseResult, error)
	ContainerUnpause(ctx context.Context, container string, options client.ContainerUnpauseOptions) (client.ContainerUnpauseResult, error)
	ContainerStop(ctx context.Context, container string, options client.ContainerStopOptions) (client.ContainerStopResult, error)
	ContainerStart(ctx context.Context, container string, options client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerRestart(ctx context.Context, container string, options client.ContainerRestartOptions) (client.ContainerRestartResult, error)
	ContainerInspect(ctx context.Context, container string, options client.ContainerInspectOptions) (client.ContainerInspectResult, error)
}

// Execer runs commands inside a container (docker exec).
type Execer interface {
	ExecCreate(ctx context.Context, container string, options client.ExecCreateOptions) (client.ExecCreateResult, error)
	ExecAttach(ctx context.Context, execID string, options client.ExecAttachOptions) (client.ExecAttachResult, error)
	ExecInspect(ctx context.Context, execID string, options client.ExecInspectOptions) (client.ExecInspectResult, error)
}

var (
	_ ContainerControl = (*client.Client)(nil)
	_ Execer           = (*client.Client)(nil)
)

// execError is a command that ran in a container and exited non-zero.
type execError struct {
	container string
	cmd       []string
	code      int
	output    string
}

func (e *execError) Error() string {
	return fmt.Sprintf("docker exec %s %s: exit %d: %s", e.container, strings.Join(e.cmd, " "), e.code, e.output)
}

// dockerExec runs cmd in container, waits for it and returns its stdout;
// a non-zero exit is an *execError carrying stdout and stderr.
func dockerExec(ctx context.Context, d Execer, container string, cmd ...string) (string, error) {
	created, err := d.ExecCreate(ctx, container, client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return "", fmt.Errorf("docker exec %s %s: create: %w", container, strings.Join(cmd, " "), err)
	}
	att, err := d.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return "", fmt.Errorf("docker exec %s %s: start: %w", container, strings.Join(cmd, " "), err)
	}
	defer att.Close()
	// The hijacked connection ignores ctx: close it when ctx ends so the
	// read below cannot outlive the caller's deadline.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, io.LimitReader(att.Reader, 1<<20)); err != nil {
		return "", fmt.Errorf("docker exec %s %s: read output: %w", container, strings.Join(cmd, " "), err)
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("docker exec %s %s: %w", container, strings.Join(cmd, " "), ctx.Err())
	}
	res, err := d.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("docker exec %s %s: inspect: %w", container, strings.Join(cmd, " "), err)
	}
	if res.Running {
		return "", fmt.Errorf("docker exec %s %s: still running after its output closed", container, strings.Join(cmd, " "))
	}
	if res.ExitCode != 0 {
		return "", &execError{container: container, cmd: cmd, code: res.ExitCode, output: strings.TrimSpace(stdout.String() + stderr.String())}
	}
	return stdout.String(), nil
}
