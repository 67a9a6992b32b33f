package watchdog

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// A service is a loop (service.go, lifecycle.go) and the pure functions of
// this file. The loop owns the process, the retry timer and the checks: it
// turns what happens into an event, asks decide what to do and does it,
// then asks assess what the checks mean. decide and assess read only their
// arguments — the service's facts, the event, and its dependencies' status
// as last pushed by the supervisor — and never touch a process or a clock.

// evKind is what happened to a service.
type evKind int

const (
	evBoot        evKind = iota // the loop begins and the service is to run
	evStart                     // operator start (clears the start limit)
	evStop                      // operator stop
	evRestart                   // operator restart
	evShutdown                  // the watchdog is stopping
	evExit                      // the process ended on its own
	evStartFailed               // binding sockets or spawning failed
	evPortsHeld                 // a declared port is held by a stranger
	evStartLimit                // too many starts within restart.limit.interval
	evTimer                     // the retry timer fired
	evDeps                      // the dependencies' status changed
	evLiveness                  // a liveness check failed with nothing to blame (see assess)
	evMemory                    // the group's RSS is above max_memory
)

var evNames = [...]string{"boot", "start", "stop", "restart", "shutdown", "exit", "start-failed", "ports-held", "start-limit", "timer", "deps", "liveness", "memory"}

func (k evKind) String() string { return evNames[k] }

// event is one thing that happened, with what decide needs to know of it.
type event struct {
	kind   evKind
	reason string        // why: the exit, the failure, the request
	code   int           // evExit: the exit code (-1 when killed by a signal)
	uptime time.Duration // evExit, evStartFailed: how long the process ran
}

// facts are the service's state as the loop keeps it.
type facts struct {
	state    State
	want     bool
	running  bool // a process is up (spawned or adopted); never at evExit
	retrying bool // a retry timer is pending
	cfg      *config.Service
	deps     depsView // nil until the supervisor's first push
}

// next is what the loop does after the stop and the state changes.
type next int

const (
	nextNone    next = iota
	nextStart        // start now (the loop checks ports and the start limit)
	nextBackoff      // start after the next backoff delay, in state backoff
	nextAfter        // start after delay
)

var nextNames = [...]string{"none", "start", "backoff", "after"}

func (n next) String() string { return nextNames[n] }

// decision is what decide asks the loop to do, in this order: set want;
// cancel the retry timer; stop the process (states stopping, stopped);
// count a restart; enter states (with reason); reset the backoff; clear the
// start limit; announce a restart; then next.
type decision struct {
	want         bool
	cancelTimer  bool
	stop         bool
	countRestart bool
	states       []State
	reason       string
	resetBackoff bool
	clearStarts  bool
	// announce is the reason of the restart event the loop publishes, its
	// delay and attempt added; with nextBackoff it also words the state's
	// reason. Empty: no restart event.
	announce string
	next     next
	delay    time.Duration // nextAfter
	wait     string        // the unmet dependency that holds the start back
}

// decide returns what the loop does about ev. Its error is a bug: the
// decision would make an illegal state transition (see CanTransition).
func decide(f facts, ev event) (decision, error) {
	d := react(f, ev)
	if d.next == nextStart {
		d = gate(f, d)
	}
	return d, legal(f, d)
}

// react maps the event to a decision, before the start preconditions.
func react(f facts, ev event) decision {
	d := decision{want: f.want, reason: ev.reason}
	switch ev.kind {
	case evBoot:
		d.want, d.next = true, nextStart
	case evStart:
		d.want = true
		if !f.running {
			d.clearStarts, d.cancelTimer, d.next = true, true, nextStart
		}
	case evStop, evShutdown:
		d.want, d.cancelTimer, d.stop = false, true, f.running
		if ev.kind == evStop {
			d.states = []State{StateStopped}
		}
	case evRestart:
		d.want, d.cancelTimer, d.stop, d.countRestart = true, true, f.running, f.running
		d.clearStarts, d.next = true, nextStart
	case evExit:
		return exited(f, ev)
	case evStartFailed:
		return afterFailure(f, ev.reason, ev.uptime)
	case evPortsHeld:
		if f.cfg.PortConflict == config.PortFail {
			d.reason = ev.reason + ": not starting (port_conflict: fail); stop it, then `watchdog start " + f.cfg.Name + "`"
			d.states, d.next, d.delay = []State{StateFailed}, nextAfter, f.cfg.Restart.Limit.Cooldown
		} else { // wait, and kill-holder when the holder outlived the kill
			d.reason = ev.reason + ": waiting (port_conflict: wait); stop it or set port_conflict: kill-holder"
			d.next = nextBackoff
		}
	case evStartLimit:
		d.states, d.next, d.delay = []State{StateFailed}, nextAfter, f.cfg.Restart.Limit.Cooldown
	case evTimer:
		d.next = nextStart
	case evDeps:
		if f.want && !f.running && !f.retrying && f.state != StateFailed {
			d.next = nextStart
		}
	case evLiveness, evMemory:
		d.stop, d.countRestart, d.next = f.running, f.running, nextStart
	}
	return d
}

// exited decides after the process ended on its own: restart.policy, then
// at once after a stable run, else after the backoff.
func exited(f facts, ev event) decision {
	d := decision{want: f.want, reason: ev.reason}
	switch {
	case !f.want:
		d.states = []State{StateExited, StateStopped}
		return d
	case f.cfg.Restart.Policy == config.RestartNever:
		d.want, d.reason = false, ev.reason+" (restart: never)"
		d.states = []State{StateExited}
		return d
	case f.cfg.Restart.Policy == config.RestartOnFailure && ev.code == 0:
		d.want, d.reason = false, ev.reason+" (restart: on-failure)"
		d.states = []State{StateExited}
		return d
	}
	d = afterFailure(f, ev.reason, ev.uptime)
	d.states = append([]State{StateExited}, d.states...)
	return d
}

// afterFailure restarts at once after a stable run, else after backoff.
func afterFailure(f facts, why string, uptime time.Duration) decision {
	d := decision{want: f.want, countRestart: true, reason: why}
	if uptime >= f.cfg.Restart.ResetAfter {
		d.resetBackoff = true
		d.announce = why + "; restarting now"
		d.next = nextStart
		return d
	}
	d.announce = why
	d.next = nextBackoff
	return d
}

// gate applies the start preconditions decide can judge: the service is
// wanted, not running, and its dependencies are ready. When they are not,
// the loop waits for the supervisor's next push.
func gate(f facts, d decision) decision {
	running := f.running && !d.stop
	if !d.want || running {
		d.next = nextNone
		return d
	}
	if wait := waitingFor(f.cfg, f.deps); wait != "" {
		d.next, d.wait = nextNone, wait
	}
	return d
}

// path lists the states the decision passes through, the loop's own
// included: stopping and stopped for a stop, backoff for a backoff,
// starting for a start.
func (d decision) path() []State {
	var out []State
	if d.stop {
		out = append(out, StateStopping, StateStopped)
	}
	out = append(out, d.states...)
	switch d.next {
	case nextStart:
		out = append(out, StateStarting)
	case nextBackoff:
		out = append(out, StateBackoff)
	}
	return out
}

// legal checks every transition of the decision's path.
func legal(f facts, d decision) error {
	from := f.state
	for _, to := range d.path() {
		if to != from && !CanTransition(from, to) {
			return fmt.Errorf("illegal transition %s → %s (state %s, next %s)", from, to, f.state, d.next)
		}
		from = to
	}
	return nil
}

// depStatus is a dependency's state and health as the supervisor saw it.
type depStatus struct {
	Configured bool
	State      State
	Health     Health
}

// depsView is what the supervisor pushes to a service: the status of each
// service it depends on. nil means nothing was pushed yet.
type depsView map[string]depStatus

// waitingFor names the first unmet depends_on condition of cfg, or "".
func waitingFor(cfg *config.Service, deps depsView) string {
	if len(cfg.DependsOn) > 0 && deps == nil {
		return "waiting for the status of its dependencies"
	}
	for _, dep := range slices.Sorted(maps.Keys(cfg.DependsOn)) {
		st := deps[dep]
		if !st.Configured {
			return fmt.Sprintf("waiting for %s: not configured", dep)
		}
		switch cfg.DependsOn[dep] {
		case config.ConditionStarted:
			if st.State != StateStarting && st.State != StateRunning {
				return fmt.Sprintf("waiting for %s to start (depends_on: started)", dep)
			}
		default:
			if st.State != StateRunning || !st.Health.up() {
				return fmt.Sprintf("waiting for %s to be healthy (depends_on: healthy); it is %s/%s", dep, st.State, st.Health)
			}
		}
	}
	return ""
}

// failingDependency names a depends_on service that is not healthy, or "".
func failingDependency(cfg *config.Service, deps depsView) string {
	for _, dep := range slices.Sorted(maps.Keys(cfg.DependsOn)) {
		if st := deps[dep]; !st.Configured || !st.Health.up() {
			return fmt.Sprintf("dependency %s is %s", dep, st.Health)
		}
	}
	return ""
}

// up reports whether a dependency at this level counts as available.
func (h Health) up() bool { return h == HealthHealthy || h == HealthDegraded }

// checkFacts is what a service's checks report, read by the loop.
type checkFacts struct {
	livenessFailing     string // a liveness check whose thresholded state is failing
	failures            int    // its consecutive failures
	livenessPassed      bool   // every liveness check has passed
	readinessLastFailed string // a readiness check whose latest run failed
	criticalFailing     string // a critical readiness check failing
	criticalPending     string // a critical readiness check that has not passed yet
	degradedFailing     string // a non-critical readiness check failing
	degradedPending     string // a non-critical readiness check that has not passed yet
}

// verdict is what assess concludes.
type verdict struct {
	health        Health
	reason        string
	blocked       bool   // new value of the loop's blocked flag
	resetLiveness bool   // a dependency recovered: count liveness afresh
	restart       bool   // liveness failed with nothing to blame: evLiveness
	check         string // the liveness check that failed
	live          bool   // starting → running
}

// assess decides the health level from the checks, the dependencies and
// whether liveness was blocked before. A failing liveness check restarts
// the service unless something it depends on is failing (blocked).
func assess(f facts, blocked bool, c checkFacts) verdict {
	if !f.running {
		return verdict{health: HealthUnhealthy, reason: "not running", blocked: blocked}
	}
	if c.livenessFailing != "" {
		if dep := blockedBy(f, c); dep != "" {
			return verdict{health: HealthBlocked, blocked: true,
				reason: fmt.Sprintf("liveness check %s failing while %s: not restarting until it recovers", c.livenessFailing, dep)}
		}
		if blocked {
			// The dependency just recovered: judge liveness afresh instead of
			// acting on failures counted while it was down.
			return verdict{health: HealthUnhealthy, resetLiveness: true, reason: "dependency recovered; re-checking liveness"}
		}
		return verdict{health: HealthUnhealthy, restart: true, check: c.livenessFailing,
			reason: fmt.Sprintf("liveness check %s failed %d times in a row", c.livenessFailing, c.failures)}
	}
	v := verdict{health: HealthHealthy}
	if f.state == StateStarting {
		if !c.livenessPassed {
			return verdict{health: HealthUnhealthy, reason: "starting: liveness not yet passed"}
		}
		v.live = true
	}
	switch {
	case c.criticalFailing != "":
		v.health, v.reason = HealthUnhealthy, "critical check "+c.criticalFailing+" failing"
	case c.criticalPending != "":
		v.health, v.reason = HealthUnhealthy, "critical check "+c.criticalPending+" has not passed yet"
	case c.degradedFailing != "":
		v.health, v.reason = HealthDegraded, "non-critical check "+c.degradedFailing+" failing"
	case c.degradedPending != "":
		v.health, v.reason = HealthDegraded, "non-critical check "+c.degradedPending+" has not passed yet"
	}
	return v
}

// blockedBy names what this service depends on that is failing: a
// depends_on service that is not healthy, or one of its own readiness
// (deep) checks. Empty when nothing is.
func blockedBy(f facts, c checkFacts) string {
	if dep := failingDependency(f.cfg, f.deps); dep != "" {
		return dep
	}
	if c.readinessLastFailed != "" {
		return "readiness check " + c.readinessLastFailed + " is failing"
	}
	return ""
}
