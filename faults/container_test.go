package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// testImage has /bin/sh, sleep and cat; ci/images.sh builds it.
const testImage = "vigil/postgres:latest"

// testLabel marks this package's containers (value: the test's pid).
const testLabel = "vigil.faults.test"

// requireDocker returns a Docker client, failing under CI=true and
// skipping loudly otherwise when the engine or the test image is missing.
func requireDocker(t *testing.T) *client.Client {
	t.Helper()
	d, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		requireCI(t, "docker client: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		requireCI(t, "no Docker engine (%v): run `bash ci/docker.sh`", err)
	}
	if _, err := d.ImageInspect(ctx, testImage); err != nil {
		requireCI(t, "image %s missing (%v): run `bash ci/images.sh`", testImage, err)
	}
	return d
}

// runContainer starts a container of testImage running a shell whose
// child "sleep" writes its pid (in the container) to /tmp/child.pid. It is
// force-removed in t.Cleanup.
func runContainer(t *testing.T, d *client.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	created, err := d.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:  testImage,
			Cmd:    []string{"sh", "-c", "sleep 600 & echo $! > /tmp/child.pid; wait"},
			Labels: map[string]string{testLabel: strconv.Itoa(os.Getpid())},
		},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	id := created.ID
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := d.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove container %s: %v", id[:12], err)
		}
	})
	if _, err := d.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start container: %v", err)
	}
	waitContainer(t, d, id, "running", func(s *container.State) bool { return s.Running && !s.Paused })
	return id
}

// waitContainer waits (bounded) until the container's state satisfies ok.
func waitContainer(t *testing.T, d *client.Client, id, what string, ok func(*container.State) bool) *container.State {
	t.Helper()
	var st *container.State
	eventually(t, 60*time.Second, "container "+id[:12]+" "+what, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := d.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return false, err.Error()
		}
		st = res.Container.State
		return st != nil && ok(st), fmt.Sprintf("%+v", st)
	})
	return st
}

func TestContainerFaults(t *testing.T) {
	d := requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name    string
		fault   func(id string) *Container
		faulted func(*container.State) bool
	}{
		{"kill", func(id string) *Container { return KillContainer(d, id) },
			func(s *container.State) bool { return !s.Running && s.ExitCode == 137 }},
		{"pause", func(id string) *Container { return PauseContainer(d, id) },
			func(s *container.State) bool { return s.Paused }},
		{"stop", func(id string) *Container { c := StopContainer(d, id); c.Grace = time.Second; return c },
			func(s *container.State) bool { return !s.Running }},
		{"restart", func(id string) *Container { c := RestartContainer(d, id); c.Grace = time.Second; return c },
			func(s *container.State) bool { return s.Running }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := runContainer(t, d)
			before := waitContainer(t, d, id, "running", func(s *container.State) bool { return s.Running })
			f := tc.fault(id)
			if f.Name() != "container-"+tc.name || f.Target() != id {
				t.Errorf("Name, Target = %q, %q", f.Name(), f.Target())
			}
			revert, err := f.Inject(ctx)
			if err != nil {
				t.Fatalf("Inject() = %v", err)
			}
			st := waitContainer(t, d, id, "faulted", tc.faulted)
			if tc.name == "restart" && st.StartedAt == before.StartedAt {
				t.Errorf("restart left StartedAt at %s, want a new start", st.StartedAt)
			}
			if err := revert(ctx); err != nil {
				t.Fatalf("revert() = %v", err)
			}
			waitContainer(t, d, id, "running again", func(s *container.State) bool { return s.Running && !s.Paused })
		})
	}
}

func TestContainerFaultErrors(t *testing.T) {
	d := requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name string
		f    *Container
	}{
		{"no such container", KillContainer(d, "vigil-faults-no-such-container")},
		{"unknown action", &Container{Docker: d, Container: "x", Action: "explode"}},
		{"no client", &Container{Container: "x", Action: ContainerKill}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f.Inject(ctx); err == nil {
				t.Fatal("Inject() = nil, want an error")
			}
		})
	}
}

// TestContainerProcessFreezeAndKill signals a process inside a container
// through docker exec, found by a pidfile inside the container.
func TestContainerProcessFreezeAndKill(t *testing.T) {
	d := requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	id := runContainer(t, d)
	finder := ContainerPIDFile(d, id, "/tmp/child.pid")
	var pid int
	eventually(t, 30*time.Second, "child pidfile written", func() (bool, string) {
		p, err := finder.PID(ctx, "sleeper")
		pid = p
		return err == nil, errString(err)
	})
	state := func() string {
		out, err := dockerExec(ctx, d, id, "cat", fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return err.Error()
		}
		s, _ := statState(out)
		return s
	}

	freeze := ContainerProcess(d, id, "sleeper", syscall.SIGSTOP, finder)
	revert, err := freeze.Inject(ctx)
	if err != nil {
		t.Fatalf("freeze Inject() = %v", err)
	}
	eventually(t, 30*time.Second, "process stopped in the container", func() (bool, string) { s := state(); return s == "T", s })
	if err := revert(ctx); err != nil {
		t.Fatalf("freeze revert() = %v", err)
	}
	eventually(t, 30*time.Second, "process continued in the container", func() (bool, string) { s := state(); return s == "S", s })

	if _, err := ContainerProcess(d, id, "sleeper", syscall.SIGKILL, finder).Inject(ctx); err != nil {
		t.Fatalf("kill Inject() = %v", err)
	}
	// The shell's wait returns and the container exits with it.
	waitContainer(t, d, id, "exited after its child was killed", func(s *container.State) bool { return !s.Running })
}

func TestContainerSignalerMissingPIDIsESRCH(t *testing.T) {
	d := requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := runContainer(t, d)
	err := ContainerSignaler{Docker: d, Container: id}.Signal(ctx, 999999, syscall.SIGCONT)
	if !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("Signal(no such pid) = %v, want ESRCH", err)
	}
	if !strings.Contains(err.Error(), "kill -s CONT 999999") {
		t.Errorf("error %q does not name the command", err)
	}
}
