package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	"github.com/testcontainers/testcontainers-go/network"
)

// Container names: the keys of Stack.Container and Exec, and the containers'
// DNS aliases on the stack network.
const (
	Postgres  = "postgres"
	Toxiproxy = "toxiproxy"
	Solana    = "solana"
	App       = "stack"
)

// Stack is one running set of containers. Up creates it; Down (safe to call
// more than once, and called on SIGINT/SIGTERM) removes every container and
// the network. Its fields are read-only after Up.
type Stack struct {
	// RunID is the value of LabelRun on everything this stack created.
	RunID string
	// Endpoints are the host-side addresses (127.0.0.1 only).
	Endpoints Endpoints
	// Toxi controls the Toxiproxy in front of Postgres and Solana; proxies
	// are named ProxyPostgres and ProxySolana.
	Toxi *toxiclient.Client
	// Docker is the engine client for container faults (ContainerKill,
	// ContainerPause, ...). Owned by the Stack: Down closes it.
	Docker *testcontainers.DockerClient
	// Timings records how long each step of Up took, in order.
	Timings []Timing

	opts       Options
	log        *slog.Logger
	network    *testcontainers.DockerNetwork
	containers map[string]*testcontainers.DockerContainer
	signals    *signalGuard
	solanaNote string // why the simulator runs instead of the asked validator

	downOnce sync.Once
	downErr  error
}

// Timing is the duration of one step of Up.
type Timing struct {
	Step string
	Took time.Duration
}

// Up sweeps leftovers of dead earlier runs, then starts the network,
// Postgres, Solana (per Options.Solana), Toxiproxy with its proxies and, when
// Options.StackImage is set, the control and the application container. On error everything
// already started is removed. The caller must call Down.
func Up(ctx context.Context, opts Options) (*Stack, error) {
	setTestcontainersEnv()
	opts = opts.withDefaults()
	s := &Stack{
		RunID:      opts.RunID,
		opts:       opts,
		log:        opts.Logger.With("run", opts.RunID),
		containers: map[string]*testcontainers.DockerContainer{},
	}
	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, noDocker(err)
	}
	s.Docker = docker
	s.signals = guardSignals(ctx, s)
	if err := s.up(ctx); err != nil {
		if derr := s.Down(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, fmt.Errorf("clean up after failed start: %w", derr))
		}
		return nil, err
	}
	return s, nil
}

func (s *Stack) up(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"sweep", s.sweep},
		{"images", s.checkImages},
		{"network", s.startNetwork},
		{Postgres, s.startPostgres},
		{Solana, s.startSolana},
		{Toxiproxy, s.startToxiproxy},
		{"through-proxy", s.checkThroughProxy},
		{Control, s.startControl},
		{App, s.startApp},
	}
	for _, st := range steps {
		start := time.Now()
		if err := st.run(ctx); err != nil {
			return err
		}
		s.Timings = append(s.Timings, Timing{Step: st.name, Took: time.Since(start)})
		s.log.Info("stack step done", "step", st.name, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func (s *Stack) sweep(ctx context.Context) error {
	n, err := remove(ctx, s.Docker, ownerGone)
	if n > 0 {
		s.log.Warn("removed leftovers of earlier runs", "count", n)
	}
	return err
}

func (s *Stack) startNetwork(ctx context.Context) error {
	nw, err := network.New(ctx, network.WithLabels(labels(s.RunID)))
	if err != nil {
		return fmt.Errorf("create docker network: %w", err)
	}
	s.network = nw
	return nil
}

// Container returns the named container (Postgres, Toxiproxy, Solana, App),
// or nil when it was not started.
func (s *Stack) Container(name string) *testcontainers.DockerContainer {
	return s.containers[name]
}

// Exec runs cmd in the named container and returns its exit code and
// combined stdout/stderr. FROM-scratch images (toxiproxy, solanasim) have no
// shell: cmd[0] must be a binary inside the image.
func (s *Stack) Exec(ctx context.Context, name string, cmd ...string) (int, []byte, error) {
	c := s.containers[name]
	if c == nil {
		return -1, nil, fmt.Errorf("exec in %s: no such container in this stack", name)
	}
	code, r, err := c.Exec(ctx, cmd, tcexec.Multiplexed())
	if err != nil {
		return code, nil, fmt.Errorf("exec %q in %s: %w", cmd, name, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return code, out, fmt.Errorf("read output of %q in %s: %w", cmd, name, err)
	}
	return code, out, nil
}

// Down removes every container and the network of this run (by label, so
// containers of a half-finished Up go too) and closes the Docker client. It
// is safe to call more than once and from several goroutines; later calls
// return the first call's result.
func (s *Stack) Down(ctx context.Context) error {
	err := s.teardown(ctx)
	s.signals.stop()
	return err
}

// teardown does Down's work once; the signal guard calls it directly.
func (s *Stack) teardown(ctx context.Context) error {
	s.downOnce.Do(func() {
		start := time.Now()
		_, err := remove(ctx, s.Docker, ofRun(s.RunID))
		s.downErr = errors.Join(err, s.Docker.Close())
		s.log.Info("stack down", "took", time.Since(start).Round(time.Millisecond), "err", s.downErr)
	})
	return s.downErr
}
