package chaos

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog/api"
)

// Local defaults: the `make demo` stack (scenarios/demo/vigil.yaml).
const (
	DefaultLocalSocket = ".demo/run/vigil.sock"
	DefaultLocalDSN    = "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable"
)

// DefaultLocalURLs are the demo's service addresses.
func DefaultLocalURLs() map[string]string {
	return map[string]string{
		"pgapi":    "http://127.0.0.1:5101",
		"bankapi":  "http://127.0.0.1:5102",
		"reconapi": "http://127.0.0.1:5103",
	}
}

// LocalTarget is a live watchdog on this host, driven over its control
// socket: process faults signal the pids its status reports, the port
// fault holds a service's port on this host, and the watchdog fault kills
// the process at the other end of the socket. There are no containers and
// no Toxiproxy, so container and link faults are unsupported. The control
// endpoint is served by this process on loopback: it sees the runner's own
// stalls and the machine's scheduling delays. Close the Target when done.
func LocalTarget(socket string, urls map[string]string, dsn string) (*Target, error) {
	t := &Target{Name: TargetLocal, URLs: urls, Watchdog: api.NewSocketClient(socket), PostgresDSN: dsn}
	t.Faults = localFaults{t: t, socket: socket}
	url, stop, err := serveControl()
	if err != nil {
		return nil, fmt.Errorf("control endpoint: %w", err)
	}
	t.Control = &slo.Target{Name: "control", URL: url}
	t.Close = stop
	return t, nil
}

// serveControl serves "ok" on a loopback port until stop, which waits for
// the server to end.
func serveControl() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/", func() { _ = srv.Close(); <-done }, nil
}

type localFaults struct {
	t      *Target
	socket string
}

// MakeFault implements FaultMaker with the fault table's local builders.
func (f localFaults) MakeFault(spec FaultSpec) (faults.Fault, error) {
	return makeFault("a local watchdog (no containers or Toxiproxy here)", f, spec, func(d FaultDef) func(localFaults, FaultSpec) (faults.Fault, error) { return d.local })
}

// finder reads a service's pid from the watchdog's status.
func (f localFaults) finder() faults.PIDFunc {
	return func(ctx context.Context, service string) (int, error) {
		return watchdogPID(ctx, f.t.Watchdog, service)
	}
}

func (f localFaults) postgresDSN() string { return f.t.PostgresDSN }

// killPostgres kills the demo's Postgres, a supervised service named
// postgres.
func (f localFaults) killPostgres(FaultSpec) (faults.Fault, error) {
	return faults.KillProcess("postgres", f.finder()), nil
}

// occupy kills the service and holds 127.0.0.1:port.
func (f localFaults) occupy(spec FaultSpec) (faults.Fault, error) {
	port, err := portParam(spec)
	if err != nil {
		return nil, err
	}
	o := faults.OccupyPort(spec.Target, fmt.Sprintf("127.0.0.1:%d", port), f.finder())
	o.Supervisor = faults.PIDFunc(f.supervisorPID)
	return o, nil
}

// flood holds connections to 127.0.0.1:port.
func (f localFaults) flood(spec FaultSpec) (faults.Fault, error) {
	port, err := portParam(spec)
	if err != nil {
		return nil, err
	}
	return floodFault(spec, func(context.Context) (string, error) { return fmt.Sprintf("127.0.0.1:%d", port), nil })
}

// supervisorPID asks the kernel who listens on the control socket.
func (f localFaults) supervisorPID(ctx context.Context, _ string) (int, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", f.socket)
	if err != nil {
		return 0, fmt.Errorf("connect to the watchdog socket %s: %w", f.socket, err)
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var (
		cred *unix.Ucred
		cerr error
	)
	if err := raw.Control(func(fd uintptr) { cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) }); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, fmt.Errorf("peer of %s: %w", f.socket, cerr)
	}
	return int(cred.Pid), nil
}
