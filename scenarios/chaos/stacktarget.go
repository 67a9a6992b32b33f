package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/scenarios/stack"
	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog/api"
)

// StackTarget makes a Target of a running container stack (started with
// the application container). It gives the stack container Docker's
// restart policy "always": the watchdog is its PID 1, so killing the
// watchdog stops the container, and in production an init system
// (systemd's Restart=always) is what brings a watchdog back. Docker maps
// the restarted container's ports to new host ports, so the Target's URLs
// are stable local forwarders (see forwarder). Close the Target when done.
func StackTarget(ctx context.Context, s *stack.Stack) (*Target, error) {
	if s.Container(stack.App) == nil {
		return nil, errors.New("the stack runs no application container: set Options.StackImage (vigil/stack:latest, built by `make images`)")
	}
	st := &stackFaults{s: s}
	policy := &container.RestartPolicy{Name: container.RestartPolicyAlways}
	if _, err := s.Docker.ContainerUpdate(ctx, st.id(stack.App), client.ContainerUpdateOptions{RestartPolicy: policy}); err != nil {
		return nil, fmt.Errorf("set restart policy of the stack container: %w", err)
	}
	endpoints := serviceEndpoints()
	endpoints["watchdog"] = func(e stack.Endpoints) string { return e.WatchdogAPI }
	endpoints[stack.Control] = func(e stack.Endpoints) string { return e.Control }
	t := &Target{Name: TargetStack, PostgresDSN: s.Endpoints.PostgresDSN, Faults: st, URLs: map[string]string{}, Reset: st.reset}
	for name := range endpoints {
		if name != "watchdog" && name != stack.Control {
			t.URLs[name] = "http://" + name + stackHost
		}
	}
	if s.Endpoints.SolanaDirectRPC != "" {
		// Straight to the node, past Toxiproxy: the settlement check must
		// see the chain even if a link fault were left behind.
		endpoints[stack.Solana] = func(e stack.Endpoints) string { return e.SolanaDirectRPC }
		t.SolanaRPC = "http://" + stack.Solana + stackHost
	}
	if s.Endpoints.Control != "" {
		t.Control = &slo.Target{Name: stack.Control, URL: "http://" + stack.Control + stackHost + "/health"}
	}
	// The runner's own clients dial the current address directly, so a
	// stopped service refuses the connection as it would without Docker.
	t.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		get, ok := endpoints[strings.TrimSuffix(addr, stackHost+":80")]
		if !ok {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		return st.dial(ctx, network, get)
	}
	// The watchdog's API client cannot dial that way: it gets a forwarder.
	fw, err := newForwarder(func(ctx context.Context, network string) (net.Conn, error) {
		return st.dial(ctx, network, endpoints["watchdog"])
	})
	if err != nil {
		return nil, fmt.Errorf("forwarder for the watchdog API: %w", err)
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); fw.Run(fctx) }()
	t.Close = func() { cancel(); <-done }
	t.Watchdog = api.NewTCPClient(fw.Addr(), "")
	st.t = t
	return t, nil
}

// stackHost suffixes the virtual host names of the stack's services in
// Target.URLs (pgapi.stack.vigil); Target.Dial maps them to host ports.
const stackHost = ".stack.vigil"

// dial connects to a stack endpoint, re-reading the mapped ports once when
// the first attempt fails (the container may have restarted).
func (f *stackFaults) dial(ctx context.Context, network string, get func(stack.Endpoints) string) (net.Conn, error) {
	var errs []error
	for _, refresh := range []bool{false, true} {
		addr, err := f.endpoint(ctx, refresh, get)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: errors.Join(errs...)}
}

// serviceEndpoints picks each service's host address out of Endpoints.
func serviceEndpoints() map[string]func(stack.Endpoints) string {
	return map[string]func(stack.Endpoints) string{
		"pgapi":    func(e stack.Endpoints) string { return e.PgAPI },
		"bankapi":  func(e stack.Endpoints) string { return e.BankAPI },
		"reconapi": func(e stack.Endpoints) string { return e.ReconAPI },
	}
}

// endpoint returns one of the stack's current host addresses (host:port),
// re-reading the mapped ports first when refresh is set.
func (f *stackFaults) endpoint(ctx context.Context, refresh bool, get func(stack.Endpoints) string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if refresh {
		if err := f.s.Refresh(ctx); err != nil {
			return "", err
		}
	}
	addr := strings.TrimPrefix(get(f.s.Endpoints), "http://")
	if addr == "" {
		return "", errors.New("the container publishes no such port (is it running?)")
	}
	return addr, nil
}

// stackFaults makes faults against the container stack.
type stackFaults struct {
	s  *stack.Stack
	t  *Target
	mu sync.Mutex // serialises Refresh and reads of s.Endpoints
}

var _ FaultMaker = (*stackFaults)(nil)

// id returns a stack container's id.
func (f *stackFaults) id(name string) string {
	if c := f.s.Container(name); c != nil {
		return c.GetContainerID()
	}
	return ""
}

// MakeFault implements FaultMaker with the fault table's stack builders.
func (f *stackFaults) MakeFault(spec FaultSpec) (faults.Fault, error) {
	return makeFault("the container stack", f, spec, func(d FaultDef) func(*stackFaults, FaultSpec) (faults.Fault, error) { return d.stack })
}

func (f *stackFaults) postgresDSN() string { return f.s.Endpoints.PostgresDSN }

// container is the container fault of spec on its target; postgres kill
// is one on the postgres container (postgres is its PID 1).
func (f *stackFaults) container(spec FaultSpec) (faults.Fault, error) {
	target, action := spec.Target, faults.ContainerAction(spec.Action)
	if spec.Kind == "postgres" {
		target, action = stack.Postgres, faults.ContainerKill
	}
	id := f.id(target)
	if id == "" {
		return nil, fmt.Errorf("no container %q in the stack (have postgres, toxiproxy, solana, stack)", target)
	}
	return &faults.Container{Docker: f.s.Docker.Client, Container: id, Action: action}, nil
}

func (f *stackFaults) linkCut(spec FaultSpec) (faults.Fault, error) {
	return faults.CutLink(f.s.Toxi, spec.Target), nil
}

func (f *stackFaults) linkLatency(spec FaultSpec) (faults.Fault, error) {
	lat, jit, err := durations(spec.Params, "latency", "jitter")
	if err != nil {
		return nil, err
	}
	return faults.LinkLatency(f.s.Toxi, spec.Target, lat, jit), nil
}

func (f *stackFaults) linkResetPeer(spec FaultSpec) (faults.Fault, error) {
	d, _, err := durations(spec.Params, "timeout")
	if err != nil {
		return nil, err
	}
	return faults.LinkResetPeer(f.s.Toxi, spec.Target, d), nil
}

func (f *stackFaults) linkSlowClose(spec FaultSpec) (faults.Fault, error) {
	d, _, err := durations(spec.Params, "delay")
	if err != nil {
		return nil, err
	}
	return faults.LinkSlowClose(f.s.Toxi, spec.Target, d), nil
}

func (f *stackFaults) linkBandwidth(spec FaultSpec) (faults.Fault, error) {
	rate, err := intParam(spec, "rate")
	if err != nil {
		return nil, err
	}
	return faults.LinkBandwidth(f.s.Toxi, spec.Target, int64(rate)), nil
}

// flood holds connections to the service's current host port.
func (f *stackFaults) flood(spec FaultSpec) (faults.Fault, error) {
	get, ok := serviceEndpoints()[spec.Target]
	if !ok {
		return nil, fmt.Errorf("port flood target %q is not pgapi, bankapi or reconapi", spec.Target)
	}
	return floodFault(spec, func(ctx context.Context) (string, error) { return f.endpoint(ctx, false, get) })
}

// initPID returns the host pid of the stack container's PID 1 (the
// watchdog).
func (f *stackFaults) initPID(ctx context.Context, _ string) (int, error) {
	res, err := f.s.Docker.ContainerInspect(ctx, f.id(stack.App), client.ContainerInspectOptions{})
	if err != nil {
		return 0, fmt.Errorf("inspect the stack container: %w", err)
	}
	if res.Container.State == nil || res.Container.State.Pid == 0 {
		return 0, errors.New("the stack container is not running")
	}
	return res.Container.State.Pid, nil
}

// supervisorPID returns the host pid of the `watchdog run` process, the
// child of the container's `watchdog init` (PID 1), as its status reports it.
func (f *stackFaults) supervisorPID(ctx context.Context, _ string) (int, error) {
	st, err := f.t.Watchdog.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("watchdog status: %w", err)
	}
	if st.PID <= 1 {
		return 0, fmt.Errorf("the watchdog reports pid %d: the image does not run it under `watchdog init`", st.PID)
	}
	init, err := f.initPID(ctx, "")
	if err != nil {
		return 0, err
	}
	return hostPID(init, st.PID)
}

// finder resolves a service's pid from the watchdog's status (a pid inside
// the container) to its host pid.
func (f *stackFaults) finder() faults.PIDFunc {
	return func(ctx context.Context, service string) (int, error) {
		pid, err := watchdogPID(ctx, f.t.Watchdog, service)
		if err != nil {
			return 0, err
		}
		init, err := f.initPID(ctx, "")
		if err != nil {
			return 0, err
		}
		return hostPID(init, pid)
	}
}

// watchdogPID returns the pid the watchdog reports for service.
func watchdogPID(ctx context.Context, c *api.Client, service string) (int, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("watchdog status: %w", err)
	}
	for _, s := range st.Services {
		if s.Name == service {
			if s.PID == 0 {
				return 0, fmt.Errorf("%s is %s with no process", service, s.State)
			}
			return s.PID, nil
		}
	}
	return 0, fmt.Errorf("the watchdog supervises no service %q", service)
}

// reset restores the stack between scenarios: every proxy enabled and
// without toxics, every container running and unpaused.
func (f *stackFaults) reset(ctx context.Context) error {
	var errs []error
	for _, name := range []string{stack.Postgres, stack.Solana, stack.Toxiproxy, stack.App} {
		id := f.id(name)
		if id == "" {
			continue
		}
		res, err := f.s.Docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch st := res.Container.State; {
		case st == nil:
		case st.Paused:
			_, err = f.s.Docker.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		case !st.Running && !st.Restarting:
			_, err = f.s.Docker.ContainerStart(ctx, id, client.ContainerStartOptions{})
		}
		errs = append(errs, err)
	}
	errs = append(errs, f.resetSolana(ctx))
	proxies, err := f.s.Toxi.Proxies()
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("toxiproxy: %w", err))...)
	}
	for _, p := range proxies {
		toxics, err := p.Toxics()
		errs = append(errs, err)
		for _, tx := range toxics {
			errs = append(errs, p.RemoveToxic(tx.Name))
		}
		if !p.Enabled {
			errs = append(errs, p.Enable())
		}
	}
	return errors.Join(errs...)
}
