package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Sweep removes containers and networks labelled LabelRun whose owner is
// gone: created on this host by a process that no longer runs (a killed or
// timed-out test), or created on another host. Resources of live processes —
// e.g. another package's test running in parallel — are left alone. It
// returns how many resources it removed.
func Sweep(ctx context.Context) (int, error) {
	setTestcontainersEnv()
	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return 0, noDocker(err)
	}
	defer docker.Close()
	return remove(ctx, docker, ownerGone)
}

// remove force-removes labelled containers, then networks, for which match
// is true, and returns how many it removed.
func remove(ctx context.Context, docker *testcontainers.DockerClient, match func(map[string]string) bool) (int, error) {
	filters := client.Filters{}.Add("label", LabelRun)
	ctrs, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return 0, fmt.Errorf("list containers labelled %s: %w", LabelRun, err)
	}
	var errs []error
	n := 0
	for _, c := range ctrs.Items {
		if !match(c.Labels) {
			continue
		}
		_, err := docker.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
			continue
		}
		n++
	}
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return n, errors.Join(append(errs, fmt.Errorf("list networks labelled %s: %w", LabelRun, err))...)
	}
	for _, nw := range nets.Items {
		if !match(nw.Labels) {
			continue
		}
		if _, err := docker.NetworkRemove(ctx, nw.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", nw.Name, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// ownerGone reports whether the process that created a resource is gone.
func ownerGone(l map[string]string) bool {
	host, _ := os.Hostname()
	if l[LabelHost] != host {
		return true
	}
	pid, err := strconv.Atoi(l[LabelPID])
	if err != nil || pid <= 0 {
		return true
	}
	// Signal 0 checks existence; EPERM still means the process exists.
	err = syscall.Kill(pid, 0)
	return err != nil && !errors.Is(err, syscall.EPERM)
}

// ofRun returns a matcher for resources of run id.
func ofRun(id string) func(map[string]string) bool {
	return func(l map[string]string) bool { return l[LabelRun] == id }
}

// Leftovers returns the ids of containers and networks still labelled with
// run id; tests use it to prove Down left nothing behind.
func Leftovers(ctx context.Context, runID string) ([]string, error) {
	setTestcontainersEnv()
	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, noDocker(err)
	}
	defer docker.Close()
	filters := client.Filters{}.Add("label", LabelRun+"="+runID)
	ctrs, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("list containers of run %s: %w", runID, err)
	}
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("list networks of run %s: %w", runID, err)
	}
	var ids []string
	for _, c := range ctrs.Items {
		ids = append(ids, "container "+c.ID[:12])
	}
	for _, nw := range nets.Items {
		ids = append(ids, "network "+nw.Name)
	}
	return ids, nil
}
