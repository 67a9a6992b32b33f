package watchdog

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/health"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// op is a control request handled by a service's loop.
type op int

const (
	opStart op = iota
	opStop
	opRestart
	opCall // run a function on the loop (liveness pings)
)

func (o op) String() string { return [...]string{"start", "stop", "restart", "call"}[o] }

type request struct {
	op     op
	fn     func() // opCall: run on the loop
	reason string
	reply  chan error
}

// shared is what the supervisor gives every service: where to publish
// events, the exec shim, check metrics, the watchdog's awake clock, its
// instance marker, and the two channels (owned by the supervisor, buffered,
// written without blocking) on which a service says that its status changed
// or that its process should be persisted. A service never calls into the
// supervisor; the supervisor pushes its dependencies' status (setDeps).
type shared struct {
	bus      *Bus
	shim     string
	metrics  *health.Metrics
	awake    *awake
	instance string
	changed  chan<- struct{}
	persist  chan<- struct{}
}

// pacing is how a service's starts are spaced, owned by its loop: the
// backoff (jitter drawn from rng), the attempt number since the last
// stable run, the recent starts the start limit counts, and the retry
// timer (timerC nil when none is pending).
type pacing struct {
	rng     *rand.Rand
	backoff retry.Backoff
	attempt int
	starts  []time.Time
	timer   *time.Timer
	timerC  <-chan time.Time
}

// service supervises one configured program. Its loop goroutine (run) is the
// only writer of the loop-owned fields below; Status readers take mu.
type service struct {
	name    string
	cfg     *config.Service
	cfgHash string // configHash(cfg), persisted for adoption
	env     shared
	log     *slog.Logger
	logPath string

	cmds    chan request
	depsC   chan depsView // pushed by the supervisor; latest wins
	checkCh chan struct{} // a check's thresholded result changed
	exited  chan struct{} // closed when run returns

	// Loop-owned.
	want    bool
	proc    *proc.Process
	deps    depsView
	pace    pacing
	checks  *checkSet
	holders []PortHolder  // last reported port conflict
	sockets *proc.Sockets // bound on first start, closed when the loop ends
	blocked bool          // liveness failing while a dependency was failing

	busyUntil atomic.Int64 // unix nanos; see busy
	wanted    atomic.Bool  // mirrors want for readers off the loop (READY=1); see setWant

	mu    sync.Mutex
	snap  ServiceStatus
	saved savedProcess // what persist writes for this service; PID 0 when none
}

func newService(env shared, log *slog.Logger, logPath string, cfg *config.Service, seed uint64) *service {
	s := &service{
		name:    cfg.Name,
		cfg:     cfg,
		cfgHash: configHash(cfg),
		env:     env,
		log:     log.With("service", cfg.Name),
		logPath: logPath,
		cmds:    make(chan request, 16),
		depsC:   make(chan depsView, 1),
		checkCh: make(chan struct{}, 1),
		exited:  make(chan struct{}),
		pace:    pacing{rng: rand.New(rand.NewPCG(seed, hashName(cfg.Name)))},
	}
	s.pace.backoff = newBackoff(cfg.Restart.Backoff, s.pace.rng)
	s.snap = ServiceStatus{Name: cfg.Name, State: StateStopped, Health: HealthUnhealthy, Critical: cfg.IsCritical()}
	return s
}

// setDeps replaces the dependency status waiting in the loop's inbox with
// v. Only the supervisor's propagate goroutine calls it, so the send never
// blocks.
func (s *service) setDeps(v depsView) {
	select {
	case <-s.depsC:
	default:
	}
	s.depsC <- v
}

func hashName(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// do sends a request to the loop and waits for its answer.
func (s *service) do(ctx context.Context, o op, reason string) error {
	return s.send(ctx, request{op: o, reason: reason, reply: make(chan error, 1)})
}

// call runs fn on the service's loop and waits for it.
func (s *service) call(ctx context.Context, fn func()) error {
	return s.send(ctx, request{op: opCall, fn: fn, reply: make(chan error, 1)})
}

// setWant sets whether the service should run; only the loop calls it.
func (s *service) setWant(v bool) {
	s.want = v
	s.wanted.Store(v)
}

// busy reports whether the loop is inside a bounded blocking step.
func (s *service) busy() bool { return time.Now().UnixNano() < s.busyUntil.Load() }

// busyFor marks the loop as blocked for at most d (0 clears it).
func (s *service) busyFor(d time.Duration) {
	if d == 0 {
		s.busyUntil.Store(0)
		return
	}
	s.busyUntil.Store(time.Now().Add(d).UnixNano())
}

func (s *service) send(ctx context.Context, r request) error {
	select {
	case s.cmds <- r:
	case <-s.exited:
		return fmt.Errorf("%s: service is shut down", s.name)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-s.exited:
		return fmt.Errorf("%s: service is shut down", s.name)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// notify wakes the loop without blocking (coalesced).
func notify(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// run is the service's loop. It returns after ctx ends and the process (if
// any) has been stopped, with every goroutine it started gone. Each turn
// takes one event, lets decide say what to do (step), then lets assess
// judge the checks (evaluate).
func (s *service) run(ctx context.Context, autostart bool, adopt *savedProcess) {
	defer close(s.exited)
	defer func() { s.sockets.Close() }()
	defer s.stopTimer()
	if autostart {
		s.setWant(true)
		if !s.adoptRunning(ctx, adopt) {
			s.step(ctx, event{kind: evBoot})
		}
		s.evaluate(ctx)
	}
	var memC <-chan time.Time
	if s.cfg.MaxMemory > 0 {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		memC = t.C
	}
	for {
		var exitC <-chan proc.Exit
		if s.proc != nil {
			exitC = s.proc.Done
		}
		select {
		case <-ctx.Done():
			s.step(ctx, event{kind: evShutdown, reason: "watchdog shutdown"})
			s.checks.stop()
			return
		case r := <-s.cmds:
			r.reply <- s.handle(ctx, r)
		case ex := <-exitC:
			s.step(ctx, s.onExit(ex))
		case <-s.pace.timerC:
			s.pace.timerC = nil
			s.step(ctx, event{kind: evTimer})
		case v := <-s.depsC:
			s.deps = v
			s.step(ctx, event{kind: evDeps})
		case <-s.checkCh:
		case <-memC:
			s.checkMemory(ctx)
		}
		s.evaluate(ctx)
	}
}

func (s *service) handle(ctx context.Context, r request) error {
	if r.op == opCall {
		r.fn()
		return nil
	}
	s.log.Info("control request", "op", r.op.String(), "reason", r.reason)
	kind := map[op]evKind{opStart: evStart, opStop: evStop, opRestart: evRestart}[r.op]
	s.step(ctx, event{kind: kind, reason: r.reason})
	return nil
}

func (s *service) setTimer(d time.Duration) {
	s.stopTimer()
	s.pace.timer = time.NewTimer(d)
	s.pace.timerC = s.pace.timer.C
	next := time.Now().Add(d)
	s.mu.Lock()
	s.snap.NextStart = &next
	s.mu.Unlock()
}

func (s *service) stopTimer() {
	if s.pace.timer != nil {
		s.pace.timer.Stop()
		s.pace.timer, s.pace.timerC = nil, nil
	}
	s.mu.Lock()
	s.snap.NextStart = nil
	s.mu.Unlock()
}

// setState moves the service to a new state and emits the transition.
func (s *service) setState(to State, reason string) {
	s.mu.Lock()
	from := s.snap.State
	s.snap.Reason = reason
	if from == to {
		s.mu.Unlock()
		return
	}
	if !CanTransition(from, to) {
		s.log.Error("invalid state transition (bug)", "from", from, "to", to)
	}
	s.snap.State = to
	pid := s.snap.PID
	s.mu.Unlock()
	s.publish(Event{Kind: EventStateChange, From: from, To: to, PID: pid, Reason: reason})
	notify(s.env.changed)
}

func (s *service) publish(ev Event) {
	ev.Service = s.name
	ev.Reason = s.cfg.Redact(ev.Reason)
	s.env.bus.Publish(ev)
}

func (s *service) bumpRestarts() {
	s.mu.Lock()
	s.snap.Restarts++
	s.mu.Unlock()
}

func (s *service) status() ServiceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.snap
	if st.StartedAt != nil && s.snap.PID != 0 {
		st.Uptime = Duration(time.Since(*st.StartedAt).Round(time.Millisecond))
	}
	st.Holders = append([]PortHolder(nil), s.snap.Holders...)
	st.Checks = s.checks.results()
	return st
}
