package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// spec describes one container of the stack.
type spec struct {
	name       string // key in Stack.containers and DNS alias
	image      string
	env        map[string]string
	entrypoint []string
	cmd        []string
	ports      []string // "5432/tcp", published on 127.0.0.1 at random ports
	wait       wait.Strategy
	timeout    time.Duration
}

// run starts sp on the stack network with the run's labels and records it.
func (s *Stack) run(ctx context.Context, sp spec) error {
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithLogger(tcLogger{s.log}),
		testcontainers.WithName(fmt.Sprintf("vigil-%s-%s", s.RunID, sp.name)),
		testcontainers.WithLabels(labels(s.RunID)),
		network.WithNetwork([]string{sp.name}, s.network),
		testcontainers.WithExposedPorts(sp.ports...),
		testcontainers.WithHostConfigModifier(loopbackOnly(sp.ports)),
		testcontainers.WithWaitStrategyAndDeadline(sp.timeout, sp.wait),
	}
	if len(sp.env) > 0 {
		opts = append(opts, testcontainers.WithEnv(sp.env))
	}
	if len(sp.entrypoint) > 0 {
		opts = append(opts, testcontainers.WithEntrypoint(sp.entrypoint...))
	}
	if len(sp.cmd) > 0 {
		opts = append(opts, testcontainers.WithCmd(sp.cmd...))
	}
	c, err := testcontainers.Run(ctx, sp.image, opts...)
	if c != nil {
		s.containers[sp.name] = c // Down removes it even if it never got ready
	}
	if err != nil {
		return fmt.Errorf("start %s (%s): %w%s", sp.name, sp.image, err, logTail(ctx, c))
	}
	return nil
}

// loopbackOnly publishes ports on 127.0.0.1 only (Docker's default is every
// host address).
func loopbackOnly(ports []string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		if hc.PortBindings == nil {
			hc.PortBindings = mobynet.PortMap{}
		}
		for _, p := range ports {
			hc.PortBindings[mobynet.MustParsePort(p)] = []mobynet.PortBinding{{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1})}}
		}
	}
}

// hostAddr returns "127.0.0.1:<mapped port>" for a container port. Mapped
// ports change when a container is stopped and started: see Refresh.
func (s *Stack) hostAddr(ctx context.Context, name, port string) (string, error) {
	c := s.containers[name]
	if c == nil {
		return "", nil
	}
	p, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("mapped port %s of %s: %w", port, name, err)
	}
	return "127.0.0.1:" + p.Port(), nil
}

// logTail returns the last lines of a failed container's log, for errors.
func logTail(ctx context.Context, c *testcontainers.DockerContainer) string {
	if c == nil {
		return ""
	}
	r, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer r.Close()
	data, _ := io.ReadAll(io.LimitReader(r, 1<<20))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\ncontainer log (tail):\n" + strings.Join(lines, "\n")
}

// tcLogger sends testcontainers' progress lines to the stack's logger.
type tcLogger struct{ log *slog.Logger }

// Printf implements testcontainers' log.Logger.
func (l tcLogger) Printf(format string, v ...any) {
	l.log.Debug(strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "testcontainers")
}
