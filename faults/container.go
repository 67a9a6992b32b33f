package faults

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// ContainerAction is what a Container fault does to its container.
type ContainerAction string

// The container actions and their reverts.
const (
	// ContainerKill sends Signal (default KILL) to the container's main
	// process; revert starts the container again if it is not running.
	ContainerKill ContainerAction = "kill"
	// ContainerPause freezes every process of the container (cgroup
	// freezer); revert unpauses it.
	ContainerPause ContainerAction = "pause"
	// ContainerStop stops the container (SIGTERM, then SIGKILL after
	// Grace); revert starts it again.
	ContainerStop ContainerAction = "stop"
	// ContainerRestart restarts the container; nothing to revert.
	ContainerRestart ContainerAction = "restart"
)

// Container is a Docker action on one container. Mapped host ports may
// change when a container is started again: re-read them after the revert,
// or reach the container through a stable proxy.
type Container struct {
	Docker    ContainerControl
	Container string // name or id
	Action    ContainerAction
	// Signal is what ContainerKill sends, e.g. "TERM"; "" means KILL.
	Signal string
	// Grace bounds ContainerStop and ContainerRestart's wait before
	// SIGKILL, rounded down to whole seconds; 0 means the container's
	// configured timeout (Docker's default is 10s).
	Grace time.Duration
}

// KillContainer returns a fault that SIGKILLs container's main process.
func KillContainer(d ContainerControl, container string) *Container {
	return &Container{Docker: d, Container: container, Action: ContainerKill}
}

// PauseContainer returns a fault that pauses container until revert.
func PauseContainer(d ContainerControl, container string) *Container {
	return &Container{Docker: d, Container: container, Action: ContainerPause}
}

// StopContainer returns a fault that stops container until revert.
func StopContainer(d ContainerControl, container string) *Container {
	return &Container{Docker: d, Container: container, Action: ContainerStop}
}

// RestartContainer returns a fault that restarts container.
func RestartContainer(d ContainerControl, container string) *Container {
	return &Container{Docker: d, Container: container, Action: ContainerRestart}
}

var (
	_ Fault    = (*Container)(nil)
	_ Targeter = (*Container)(nil)
)

// Name is "container-<action>".
func (c *Container) Name() string { return "container-" + string(c.Action) }

// Target is the container.
func (c *Container) Target() string { return c.Container }

// Inject performs the action and returns once Docker reports it done.
func (c *Container) Inject(ctx context.Context) (Revert, error) {
	if c.Docker == nil {
		return nil, fmt.Errorf("%s %s: no Docker client: set Docker", c.Name(), c.Container)
	}
	var err error
	revert := Revert(NoRevert)
	switch c.Action {
	case ContainerKill:
		sig := c.Signal
		if sig == "" {
			sig = "KILL"
		}
		_, err = c.Docker.ContainerKill(ctx, c.Container, client.ContainerKillOptions{Signal: sig})
		revert = c.start
	case ContainerPause:
		_, err = c.Docker.ContainerPause(ctx, c.Container, client.ContainerPauseOptions{})
		revert = c.unpause
	case ContainerStop:
		_, err = c.Docker.ContainerStop(ctx, c.Container, client.ContainerStopOptions{Timeout: c.grace()})
		revert = c.start
	case ContainerRestart:
		_, err = c.Docker.ContainerRestart(ctx, c.Container, client.ContainerRestartOptions{Timeout: c.grace()})
	default:
		return nil, fmt.Errorf("container fault on %s: unknown action %q: use kill, pause, stop or restart", c.Container, c.Action)
	}
	if err != nil {
		return nil, fmt.Errorf("docker %s %s: %w", c.Action, c.Container, err)
	}
	return once(revert), nil
}

func (c *Container) grace() *int {
	if c.Grace <= 0 {
		return nil
	}
	s := int(c.Grace / time.Second)
	return &s
}

// start starts the container unless it is already running (Docker treats
// starting a running container as a no-op).
func (c *Container) start(ctx context.Context) error {
	if _, err := c.Docker.ContainerStart(ctx, c.Container, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("docker start %s: %w", c.Container, err)
	}
	return nil
}

// unpause unpauses the container if it is still paused.
func (c *Container) unpause(ctx context.Context) error {
	st, err := c.Docker.ContainerInspect(ctx, c.Container, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("docker inspect %s: %w", c.Container, err)
	}
	if s := st.Container.State; s == nil || !s.Paused {
		return nil
	}
	if _, err := c.Docker.ContainerUnpause(ctx, c.Container, client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("docker unpause %s: %w", c.Container, err)
	}
	return nil
}
