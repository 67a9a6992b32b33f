package watchdog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/health"
	"github.com/vigilhq/vigil/watchdog/logs"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// ErrUnknownService is returned for a control request naming no configured service.
var ErrUnknownService = errors.New("unknown service")

// Options are the supervisor's optional knobs.
type Options struct {
	Logger  *slog.Logger
	Version string
	// Seed seeds backoff jitter; 0 picks one from the clock (logged).
	Seed uint64
	// CheckMetrics records health check results; nil disables them.
	CheckMetrics *health.Metrics
	// RotateEvery is how often log sizes are checked; default 5s.
	RotateEvery time.Duration
	// Notify sends sd_notify messages (READY=1, STATUS=, STOPPING=1) to
	// $NOTIFY_SOCKET; cmd sets it when running under systemd.
	Notify bool
	// StartTimeout bounds how long READY=1 waits for every service to be
	// up; then it is sent anyway, with a STATUS= naming the services that
	// are not. Default DefaultStartTimeout.
	StartTimeout time.Duration
	// WatchdogInterval > 0 sends WATCHDOG=1 that often, but only after every
	// service loop has answered (systemd WatchdogSec/2, from WATCHDOG_USEC).
	WatchdogInterval time.Duration
	// ShimPath is the binary that calls ExecShim, used to start services
	// that receive sockets. Default: this executable.
	ShimPath string
}

// Supervisor runs every configured service. Create it with New, run it with
// Run; Start, Stop, Restart, Reload and Status are safe to call concurrently
// while Run is active.
type Supervisor struct {
	log     *slog.Logger
	bus     *Bus
	opts    Options
	started time.Time
	// instance is this configuration's instanceID (EnvInstance); escape is
	// the escape handling in force (EscapeSubreaper or EscapeGroup).
	instance, escape string
	awake            *awake // when the watchdog last ran: dates exits after a SIGSTOP of it

	mu       sync.RWMutex
	cfg      *config.Config
	order    []string // cfg.StartOrder(), computed once per config
	stopping bool     // set by shutdown: Reload must not launch any more
	services map[string]*service
	cancels  map[string]context.CancelFunc
	base     context.Context // parent of every service loop; nil before Run
	wg       sync.WaitGroup
	changes  chan struct{} // a state or health changed; read by the systemd notifier
	// svcChanged and persistReq are written by services (coalesced) and
	// read by propagate, which pushes dependency status and persists.
	svcChanged, persistReq chan struct{}

	persistMu sync.Mutex // serialises state file writes
}

// New validates nothing itself (config.Load did) and prepares a supervisor.
func New(cfg *config.Config, opts Options) (*Supervisor, error) {
	if cfg == nil {
		return nil, errors.New("nil config")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(time.Now().UnixNano())
	}
	if opts.ShimPath == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("locate own executable for the exec shim: %w", err)
		}
		opts.ShimPath = exe
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.RotateEvery <= 0 {
		opts.RotateEvery = 5 * time.Second
	}
	return &Supervisor{
		log:      opts.Logger,
		bus:      NewBus(1000, nil),
		opts:     opts,
		cfg:      cfg,
		order:    cfg.StartOrder(),
		instance: instanceID(cfg),
		escape:   EscapeGroup,
		services: map[string]*service{},
		cancels:  map[string]context.CancelFunc{},
		changes:  make(chan struct{}, 1),

		svcChanged: make(chan struct{}, 1),
		persistReq: make(chan struct{}, 1),
	}, nil
}

// Events returns the supervisor's event bus.
func (s *Supervisor) Events() *Bus { return s.bus }

// Config returns the configuration in force.
func (s *Supervisor) Config() *config.Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

// Run starts every service in dependency order and supervises them until ctx
// ends; then it stops them in reverse dependency order and returns once every
// process group is gone and every goroutine it started has exited.
func (s *Supervisor) Run(ctx context.Context) error {
	s.log.Info("watchdog starting", "services", len(s.cfg.Services), "seed", s.opts.Seed, "version", s.opts.Version)
	base, cancelAll := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAll()
	s.awake = newAwake(time.Second) // before any service loop reads it
	var background sync.WaitGroup
	background.Add(2)
	go func() {
		defer background.Done()
		s.awake.run(base)
	}()
	go func() {
		defer background.Done()
		s.propagate(base)
	}()
	defer func() {
		cancelAll()
		background.Wait()
	}()

	saved, err := loadState(s.cfg.API.StateFile)
	if err != nil {
		s.log.Warn("state file", "err", err)
	}
	escape := EscapeSubreaper
	if err := proc.BecomeSubreaper(); err != nil {
		escape = EscapeGroup
		s.log.Warn("cannot become child subreaper: orphaned descendants of services go to init (still stopped by their environment marker)", "err", err)
	}
	s.launchAll(base, saved, escape)
	var notifying sync.WaitGroup
	if s.opts.Notify {
		notifying.Add(1)
		go func() {
			defer notifying.Done()
			s.systemd(ctx)
		}()
	}

	orphans := &orphanReaper{} // its channels stay nil unless subreaper
	if escape == EscapeSubreaper {
		orphans = newOrphanReaper(s.mainPIDs, reapEvery)
		defer orphans.stop()
	}
	t := time.NewTicker(s.opts.RotateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			notifying.Wait() // STOPPING=1 is the last word, after any STATUS=
			s.notify("STOPPING=1\nSTATUS=stopping services")
			s.shutdown()
			s.wg.Wait()
			s.persist()
			s.log.Info("watchdog stopped")
			return nil
		case <-t.C:
			s.rotateLogs()
		case <-orphans.exited:
			orphans.childExited()
		case <-orphans.due:
			orphans.scan()
		}
	}
}

// launchAll starts every service loop in start order, each adopting what
// the state file says it left running.
func (s *Supervisor) launchAll(base context.Context, saved savedState, escape string) {
	s.mu.Lock()
	s.base = base
	s.started = time.Now()
	s.escape = escape
	for _, name := range s.order {
		var adopt *savedProcess
		if sp, ok := saved.Services[name]; ok && sp.PID > 0 {
			adopt = &sp
		}
		s.launch(s.cfg.Services[name], true, adopt)
	}
	s.mu.Unlock()
	notify(s.svcChanged) // the first push of dependency status
}

// launch creates and starts a service loop. Callers hold s.mu.
func (s *Supervisor) launch(cfg *config.Service, autostart bool, adopt *savedProcess) {
	env := shared{bus: s.bus, shim: s.opts.ShimPath, metrics: s.opts.CheckMetrics, awake: s.awake,
		instance: s.instance, changed: s.svcChanged, persist: s.persistReq}
	svc := newService(env, s.log, s.logPath(cfg.Name), cfg, s.opts.Seed)
	ctx, cancel := context.WithCancel(s.base)
	s.services[cfg.Name] = svc
	s.cancels[cfg.Name] = cancel
	svc.wanted.Store(autostart) // before its loop runs: READY=1 must wait for it
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		svc.run(ctx, autostart, adopt)
	}()
}

// shutdown stops services in reverse dependency order: each waits for the
// services that depend on it, so independent branches stop in parallel.
func (s *Supervisor) shutdown() {
	s.mu.Lock()
	s.stopping = true
	names := make([]string, 0, len(s.services))
	for n := range s.services {
		names = append(names, n)
	}
	s.mu.Unlock()
	s.stopServices(names)
}

// stopServices stops the named services, dependents before dependencies.
func (s *Supervisor) stopServices(names []string) {
	s.mu.RLock()
	stopped := map[string]chan struct{}{}
	svcs := map[string]*service{}
	cancels := map[string]context.CancelFunc{}
	for _, n := range names {
		if svc, ok := s.services[n]; ok {
			stopped[n] = make(chan struct{})
			svcs[n], cancels[n] = svc, s.cancels[n]
		}
	}
	s.mu.RUnlock()
	var wg sync.WaitGroup
	for n, svc := range svcs {
		dependents := []chan struct{}{}
		for m, other := range svcs {
			if _, ok := other.cfg.DependsOn[n]; ok && m != n {
				dependents = append(dependents, stopped[m])
			}
		}
		wg.Add(1)
		go func(n string, svc *service, deps []chan struct{}) {
			defer wg.Done()
			defer close(stopped[n])
			for _, d := range deps {
				<-d
			}
			cancels[n]()
			<-svc.exited
		}(n, svc, dependents)
	}
	wg.Wait()
	s.mu.Lock()
	for n := range svcs {
		if s.services[n] == svcs[n] {
			delete(s.services, n)
			delete(s.cancels, n)
		}
	}
	s.mu.Unlock()
}

// Reload applies a new configuration: unchanged services keep running
// untouched, changed ones restart, removed ones stop and added ones start.
// It holds s.mu only to swap the config and register the added loops, so
// Status and shutdown are never kept waiting behind a large reload.
func (s *Supervisor) Reload(cfg *config.Config) error {
	order := cfg.StartOrder() // before locking: it walks the whole config
	s.mu.RLock()
	if s.base == nil {
		s.mu.RUnlock()
		return errors.New("reload: supervisor is not running")
	}
	var stop, changed, added, kept []string
	for name, svc := range s.services {
		nc, ok := cfg.Services[name]
		switch {
		case !ok:
			stop = append(stop, name)
		case !svc.cfg.Equal(nc):
			changed = append(changed, name)
		default:
			kept = append(kept, name)
		}
	}
	for name := range cfg.Services {
		if _, ok := s.services[name]; !ok {
			added = append(added, name)
		}
	}
	s.mu.RUnlock()
	sort.Strings(stop)
	sort.Strings(changed)
	sort.Strings(added)
	s.stopServices(append(append([]string{}, stop...), changed...))
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return errors.New("reload: the watchdog is stopping; nothing was started")
	}
	s.cfg, s.order = cfg, order
	for _, name := range order {
		// Unchanged services keep their (equal) configuration: their loops own it.
		if _, running := s.services[name]; !running {
			s.launch(cfg.Services[name], true, nil)
		}
	}
	s.mu.Unlock()
	reason := fmt.Sprintf("reloaded: %d unchanged, %d restarted %v, %d added %v, %d removed %v",
		len(kept), len(changed), changed, len(added), added, len(stop), stop)
	s.bus.Publish(Event{Kind: EventReload, Reason: reason})
	s.log.Info("reload", "unchanged", len(kept), "restarted", changed, "added", added, "removed", stop)
	s.changed()
	return nil
}

func (s *Supervisor) lookup(name string) (*service, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[name]
	if !ok {
		names := make([]string, 0, len(s.services))
		for n := range s.services {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w %q: configured services are %v", ErrUnknownService, name, names)
	}
	return svc, nil
}

// Start starts a stopped service (clearing its start limit).
func (s *Supervisor) Start(ctx context.Context, name string) error {
	svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	return svc.do(ctx, opStart, "requested")
}

// Stop stops a service's whole process group; it stays stopped until started.
func (s *Supervisor) Stop(ctx context.Context, name string) error {
	svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	return svc.do(ctx, opStop, "stopped by request")
}

// Restart stops and starts a service. Concurrent restarts are serialised by
// the service's loop: there is never a second copy.
func (s *Supervisor) Restart(ctx context.Context, name string) error {
	svc, err := s.lookup(name)
	if err != nil {
		return err
	}
	return svc.do(ctx, opRestart, "restart requested")
}

// LogPath returns the log file service name writes to.
func (s *Supervisor) LogPath(name string) (string, error) {
	svc, err := s.lookup(name)
	if err != nil {
		return "", err
	}
	return svc.logPath, nil // fixed when the service is launched
}

// logPath is the log file of service name under the configuration in
// force. Callers hold s.mu: Reload replaces s.cfg.
func (s *Supervisor) logPath(name string) string {
	return logs.Path(s.cfg.Logs.Dir, name)
}

// Status returns a snapshot of every service, in start order.
func (s *Supervisor) Status() Status {
	s.mu.RLock()
	started, escape := s.started, s.escape
	order := s.order
	svcs := make([]*service, 0, len(order))
	for _, n := range order {
		if svc, ok := s.services[n]; ok {
			svcs = append(svcs, svc)
		}
	}
	s.mu.RUnlock()
	st := Status{Version: s.opts.Version, PID: os.Getpid(), StartedAt: started, Uptime: Duration(time.Since(started).Round(time.Second)), EscapeHandling: escape}
	for _, svc := range svcs {
		st.Services = append(st.Services, svc.status())
	}
	st.Status = Overall(st.Services)
	return st
}

// changed says that the set of services changed (reload).
func (s *Supervisor) changed() { notify(s.svcChanged) }

// propagate runs until ctx ends. When a service's status changed it pushes
// to every service the status of the services it depends on, and wakes
// the systemd notifier; when a service's process changed it persists.
func (s *Supervisor) propagate(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.persistReq:
			s.persist()
		case <-s.svcChanged:
			s.pushDeps()
			notify(s.changes)
		}
	}
}

// pushDeps gives every service the status of its dependencies.
func (s *Supervisor) pushDeps() {
	s.mu.RLock()
	svcs := make(map[string]*service, len(s.services))
	for n, svc := range s.services {
		svcs[n] = svc
	}
	s.mu.RUnlock()
	status := make(map[string]depStatus, len(svcs))
	for n, svc := range svcs {
		svc.mu.Lock()
		status[n] = depStatus{Configured: true, State: svc.snap.State, Health: svc.snap.Health}
		svc.mu.Unlock()
	}
	for _, svc := range svcs {
		v := depsView{}
		for dep := range svc.cfg.DependsOn {
			v[dep] = status[dep]
		}
		svc.setDeps(v)
	}
}

func (s *Supervisor) rotateLogs() {
	s.mu.RLock()
	cfg := s.cfg
	s.mu.RUnlock()
	for name, sc := range cfg.Services {
		r := logs.Rotation{MaxSize: int64(sc.Logs.MaxSize), MaxFiles: sc.Logs.MaxFiles, MaxAge: sc.Logs.MaxAge}
		out, err := logs.Rotate(logs.Path(cfg.Logs.Dir, name), r)
		if len(out.Dropped) > 0 {
			s.log.Warn("log rotation could not copy (disk full?): dropped logs to keep max_size", "service", name, "dropped", out.Dropped, "err", out.Cause)
		}
		if err != nil {
			s.log.Warn("log rotation failed", "service", name, "err", err)
		} else if out.Rotated {
			s.log.Info("log rotated", "service", name)
		}
	}
}

// mainPIDs lists every service's current main process: os/exec (or an
// adoption's pidfd) waits for those, the orphan sweep must not.
func (s *Supervisor) mainPIDs() map[int]bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[int]bool{}
	for _, svc := range s.services {
		svc.mu.Lock()
		if svc.snap.PID != 0 {
			out[svc.snap.PID] = true
		}
		svc.mu.Unlock()
	}
	return out
}
