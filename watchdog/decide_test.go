package watchdog

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

func svcConfig(mod func(*config.Service)) *config.Service {
	c := &config.Service{Name: "app", PortConflict: config.PortWait}
	c.Restart.Policy = config.RestartAlways
	c.Restart.ResetAfter = 10 * time.Second
	c.Restart.Limit = config.Limit{Burst: 10, Interval: time.Minute, Cooldown: 5 * time.Minute}
	if mod != nil {
		mod(c)
	}
	return c
}

func dependsOnDB(c *config.Service) {
	c.DependsOn = map[string]config.Condition{"db": config.ConditionHealthy}
}

var (
	dbHealthy = depsView{"db": {Configured: true, State: StateRunning, Health: HealthHealthy}}
	dbDown    = depsView{"db": {Configured: true, State: StateBackoff, Health: HealthUnhealthy}}
)

// TestDecide covers every transition of docs/supervision.md: for each
// state, the events that leave it, and what the loop is asked to do.
func TestDecide(t *testing.T) {
	S := func(s ...State) []State { return s }
	tests := []struct {
		name  string
		f     facts
		ev    event
		path  []State // states passed through, the loop's own included
		next  next
		check func(t *testing.T, d decision)
	}{
		// stopped
		{name: "stopped: boot starts", f: facts{state: StateStopped}, ev: event{kind: evBoot},
			path: S(StateStarting), next: nextStart},
		{name: "stopped: boot waits for a dependency", f: facts{state: StateStopped, cfg: svcConfig(dependsOnDB), deps: dbDown}, ev: event{kind: evBoot},
			next: nextNone, check: wantWait("waiting for db to be healthy")},
		{name: "stopped: boot waits for the first push", f: facts{state: StateStopped, cfg: svcConfig(dependsOnDB)}, ev: event{kind: evBoot},
			next: nextNone, check: wantWait("waiting for the status of its dependencies")},
		{name: "stopped: dependency healthy starts", f: facts{state: StateStopped, want: true, cfg: svcConfig(dependsOnDB), deps: dbHealthy}, ev: event{kind: evDeps},
			path: S(StateStarting), next: nextStart},
		{name: "stopped: operator start clears the start limit", f: facts{state: StateStopped}, ev: event{kind: evStart},
			path: S(StateStarting), next: nextStart, check: func(t *testing.T, d decision) {
				if !d.want || !d.clearStarts || !d.cancelTimer {
					t.Errorf("decision = %+v, want want, clearStarts, cancelTimer", d)
				}
			}},
		{name: "stopped: port held backs off (wait)", f: facts{state: StateStopped, want: true}, ev: event{kind: evPortsHeld, reason: "port 80 held"},
			path: S(StateBackoff), next: nextBackoff, check: wantReason("port_conflict: wait")},
		{name: "stopped: port held fails (fail)", f: facts{state: StateStopped, want: true, cfg: svcConfig(func(c *config.Service) { c.PortConflict = config.PortFail })},
			ev: event{kind: evPortsHeld, reason: "port 80 held"}, path: S(StateFailed), next: nextAfter, check: wantDelay(5 * time.Minute)},
		{name: "stopped: start limit fails", f: facts{state: StateStopped, want: true}, ev: event{kind: evStartLimit, reason: "start limit"},
			path: S(StateFailed), next: nextAfter, check: wantDelay(5 * time.Minute)},
		{name: "stopped: spawn failed backs off", f: facts{state: StateStopped, want: true}, ev: event{kind: evStartFailed, reason: "start failed: exec"},
			path: S(StateBackoff), next: nextBackoff, check: wantCounted},
		{name: "stopped: stop stays stopped", f: facts{state: StateStopped}, ev: event{kind: evStop, reason: "stopped by request"},
			path: S(StateStopped), next: nextNone},

		// starting
		{name: "starting: crash backs off", f: facts{state: StateStarting, want: true, running: false}, ev: event{kind: evExit, reason: "exit code 1", code: 1, uptime: time.Second},
			path: S(StateExited, StateBackoff), next: nextBackoff, check: wantCounted},
		{name: "starting: stop", f: facts{state: StateStarting, want: true, running: true}, ev: event{kind: evStop},
			path: S(StateStopping, StateStopped, StateStopped), next: nextNone},
		{name: "starting: liveness restart", f: facts{state: StateStarting, want: true, running: true}, ev: event{kind: evLiveness},
			path: S(StateStopping, StateStopped, StateStarting), next: nextStart, check: wantCounted},

		// running
		{name: "running: exit after a stable run restarts at once", f: facts{state: StateRunning, want: true, running: false},
			ev: event{kind: evExit, reason: "killed by SIGKILL", code: -1, uptime: time.Minute}, path: S(StateExited, StateStarting), next: nextStart,
			check: func(t *testing.T, d decision) {
				if !d.resetBackoff || !d.countRestart || !strings.Contains(d.announce, "restarting now") {
					t.Errorf("decision = %+v, want the backoff reset, a restart counted and announced now", d)
				}
			}},
		{name: "running: quick exit backs off", f: facts{state: StateRunning, want: true, running: false},
			ev: event{kind: evExit, reason: "exit code 2", code: 2, uptime: time.Second}, path: S(StateExited, StateBackoff), next: nextBackoff,
			check: func(t *testing.T, d decision) {
				if d.resetBackoff || d.announce != "exit code 2" {
					t.Errorf("decision = %+v, want no reset, announce %q", d, "exit code 2")
				}
			}},
		{name: "running: exit with restart: never", f: facts{state: StateRunning, want: true, running: false, cfg: svcConfig(func(c *config.Service) { c.Restart.Policy = config.RestartNever })},
			ev: event{kind: evExit, reason: "exit code 1", code: 1, uptime: time.Minute}, path: S(StateExited), next: nextNone, check: wantUnwanted},
		{name: "running: clean exit with restart: on-failure", f: facts{state: StateRunning, want: true, running: false, cfg: svcConfig(func(c *config.Service) { c.Restart.Policy = config.RestartOnFailure })},
			ev: event{kind: evExit, reason: "exit code 0", code: 0, uptime: time.Minute}, path: S(StateExited), next: nextNone, check: wantUnwanted},
		{name: "running: failed exit with restart: on-failure", f: facts{state: StateRunning, want: true, running: false, cfg: svcConfig(func(c *config.Service) { c.Restart.Policy = config.RestartOnFailure })},
			ev: event{kind: evExit, reason: "exit code 3", code: 3, uptime: time.Second}, path: S(StateExited, StateBackoff), next: nextBackoff},
		{name: "running: stop", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evStop},
			path: S(StateStopping, StateStopped, StateStopped), next: nextNone, check: wantUnwanted},
		{name: "running: operator restart", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evRestart},
			path: S(StateStopping, StateStopped, StateStarting), next: nextStart, check: func(t *testing.T, d decision) {
				if !d.countRestart || !d.clearStarts {
					t.Errorf("decision = %+v, want a restart counted and the start limit cleared", d)
				}
			}},
		{name: "running: liveness restart", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evLiveness},
			path: S(StateStopping, StateStopped, StateStarting), next: nextStart, check: wantCounted},
		{name: "running: memory restart", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evMemory},
			path: S(StateStopping, StateStopped, StateStarting), next: nextStart, check: wantCounted},
		{name: "running: liveness restart waits for a dependency gone meanwhile", f: facts{state: StateRunning, want: true, running: true, cfg: svcConfig(dependsOnDB), deps: dbDown},
			ev: event{kind: evLiveness}, path: S(StateStopping, StateStopped), next: nextNone, check: wantWait("waiting for db")},
		{name: "running: operator start changes nothing", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evStart},
			next: nextNone},
		{name: "running: shutdown stops", f: facts{state: StateRunning, want: true, running: true}, ev: event{kind: evShutdown},
			path: S(StateStopping, StateStopped), next: nextNone, check: wantUnwanted},
		{name: "running: exit while unwanted", f: facts{state: StateRunning, running: false}, ev: event{kind: evExit, reason: "exit code 0"},
			path: S(StateExited, StateStopped), next: nextNone},

		// exited (a restart waiting for a dependency)
		{name: "exited: dependency back starts", f: facts{state: StateExited, want: true, cfg: svcConfig(dependsOnDB), deps: dbHealthy}, ev: event{kind: evDeps},
			path: S(StateStarting), next: nextStart},
		{name: "exited: port held backs off", f: facts{state: StateExited, want: true}, ev: event{kind: evPortsHeld},
			path: S(StateBackoff), next: nextBackoff},
		{name: "exited: start limit fails", f: facts{state: StateExited, want: true}, ev: event{kind: evStartLimit},
			path: S(StateFailed), next: nextAfter},
		{name: "exited: stop", f: facts{state: StateExited, want: true}, ev: event{kind: evStop},
			path: S(StateStopped), next: nextNone},

		// backoff
		{name: "backoff: timer starts", f: facts{state: StateBackoff, want: true}, ev: event{kind: evTimer},
			path: S(StateStarting), next: nextStart},
		{name: "backoff: port still held backs off again", f: facts{state: StateBackoff, want: true}, ev: event{kind: evPortsHeld},
			path: S(StateBackoff), next: nextBackoff},
		{name: "backoff: start limit fails", f: facts{state: StateBackoff, want: true}, ev: event{kind: evStartLimit},
			path: S(StateFailed), next: nextAfter},
		{name: "backoff: stop", f: facts{state: StateBackoff, want: true, retrying: true}, ev: event{kind: evStop},
			path: S(StateStopped), next: nextNone, check: func(t *testing.T, d decision) {
				if !d.cancelTimer || d.want {
					t.Errorf("decision = %+v, want the timer cancelled, not wanted", d)
				}
			}},
		{name: "backoff: a dependency change does not cut the delay short", f: facts{state: StateBackoff, want: true, retrying: true}, ev: event{kind: evDeps},
			next: nextNone},

		// failed
		{name: "failed: cooldown over starts", f: facts{state: StateFailed, want: true}, ev: event{kind: evTimer},
			path: S(StateStarting), next: nextStart},
		{name: "failed: operator start", f: facts{state: StateFailed, want: true, retrying: true}, ev: event{kind: evStart},
			path: S(StateStarting), next: nextStart},
		{name: "failed: port held backs off", f: facts{state: StateFailed, want: true}, ev: event{kind: evPortsHeld},
			path: S(StateBackoff), next: nextBackoff},
		{name: "failed: stop", f: facts{state: StateFailed, want: true}, ev: event{kind: evStop},
			path: S(StateStopped), next: nextNone},
		{name: "failed: a dependency change waits for the cooldown", f: facts{state: StateFailed, want: true}, ev: event{kind: evDeps},
			next: nextNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.cfg == nil {
				tc.f.cfg = svcConfig(nil)
			}
			d, err := decide(tc.f, tc.ev)
			if err != nil {
				t.Fatalf("decide(%s, %s) error %v", tc.f.state, tc.ev.kind, err)
			}
			if got := d.path(); !slices.Equal(got, tc.path) {
				t.Errorf("decide(%s, %s) path = %v, want %v", tc.f.state, tc.ev.kind, got, tc.path)
			}
			if d.next != tc.next {
				t.Errorf("decide(%s, %s) next = %s, want %s", tc.f.state, tc.ev.kind, d.next, tc.next)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

// TestDecideIllegalTransition: a decision that would make a transition
// CanTransition forbids is an error, never carried out silently.
func TestDecideIllegalTransition(t *testing.T) {
	tests := []struct {
		name string
		f    facts
		ev   event
	}{
		{"running → failed", facts{state: StateRunning, want: true, running: true}, event{kind: evStartLimit}},
		{"stopped → exited", facts{state: StateStopped}, event{kind: evExit}},
		{"running → backoff", facts{state: StateRunning, want: true, running: true}, event{kind: evPortsHeld}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.cfg = svcConfig(nil)
			if d, err := decide(tc.f, tc.ev); err == nil {
				t.Errorf("decide(%s, %s) = path %v, want an illegal transition error", tc.f.state, tc.ev.kind, d.path())
			}
		})
	}
}

func TestAssess(t *testing.T) {
	running := facts{state: StateRunning, running: true, cfg: svcConfig(nil)}
	tests := []struct {
		name    string
		f       facts
		blocked bool
		c       checkFacts
		want    verdict
	}{
		{"not running", facts{state: StateBackoff, cfg: svcConfig(nil)}, false, checkFacts{},
			verdict{health: HealthUnhealthy, reason: "not running"}},
		{"healthy", running, false, checkFacts{livenessPassed: true},
			verdict{health: HealthHealthy}},
		{"liveness fails: restart", running, false, checkFacts{livenessFailing: "http", failures: 3},
			verdict{health: HealthUnhealthy, restart: true, check: "http", reason: "liveness check http failed 3 times in a row"}},
		{"liveness fails while a readiness check fails: blocked", running, false, checkFacts{livenessFailing: "http", readinessLastFailed: "postgres"},
			verdict{health: HealthBlocked, blocked: true, reason: "liveness check http failing while readiness check postgres is failing: not restarting until it recovers"}},
		{"liveness fails while a dependency fails: blocked", facts{state: StateRunning, running: true, cfg: svcConfig(dependsOnDB), deps: dbDown}, false, checkFacts{livenessFailing: "http"},
			verdict{health: HealthBlocked, blocked: true, reason: "liveness check http failing while dependency db is unhealthy: not restarting until it recovers"}},
		{"dependency recovered: liveness re-checked", running, true, checkFacts{livenessFailing: "http"},
			verdict{health: HealthUnhealthy, resetLiveness: true, reason: "dependency recovered; re-checking liveness"}},
		{"starting: liveness not yet passed", facts{state: StateStarting, running: true, cfg: svcConfig(nil)}, false, checkFacts{},
			verdict{health: HealthUnhealthy, reason: "starting: liveness not yet passed"}},
		{"starting: liveness passed", facts{state: StateStarting, running: true, cfg: svcConfig(nil)}, false, checkFacts{livenessPassed: true},
			verdict{health: HealthHealthy, live: true}},
		{"critical readiness failing", running, true, checkFacts{livenessPassed: true, criticalFailing: "pg"},
			verdict{health: HealthUnhealthy, reason: "critical check pg failing"}},
		{"non-critical readiness failing", running, false, checkFacts{livenessPassed: true, degradedFailing: "solana"},
			verdict{health: HealthDegraded, reason: "non-critical check solana failing"}},
		{"critical readiness not passed yet", running, false, checkFacts{livenessPassed: true, criticalPending: "pg", degradedPending: "solana"},
			verdict{health: HealthUnhealthy, reason: "critical check pg has not passed yet"}},
		{"non-critical readiness not passed yet", running, false, checkFacts{livenessPassed: true, degradedPending: "solana"},
			verdict{health: HealthDegraded, reason: "non-critical check solana has not passed yet"}},
		{"critical not passed yet outranks non-critical failing", running, false, checkFacts{livenessPassed: true, criticalPending: "pg", degradedFailing: "solana"},
			verdict{health: HealthUnhealthy, reason: "critical check pg has not passed yet"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := assess(tc.f, tc.blocked, tc.c); got != tc.want {
				t.Errorf("assess() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestWaitingFor(t *testing.T) {
	started := svcConfig(func(c *config.Service) { c.DependsOn = map[string]config.Condition{"db": config.ConditionStarted} })
	tests := []struct {
		name string
		cfg  *config.Service
		deps depsView
		want string
	}{
		{"no dependencies", svcConfig(nil), nil, ""},
		{"healthy", svcConfig(dependsOnDB), dbHealthy, ""},
		{"degraded counts as up", svcConfig(dependsOnDB), depsView{"db": {Configured: true, State: StateRunning, Health: HealthDegraded}}, ""},
		{"unhealthy", svcConfig(dependsOnDB), dbDown, "waiting for db to be healthy (depends_on: healthy); it is backoff/unhealthy"},
		{"not configured", svcConfig(dependsOnDB), depsView{}, "waiting for db: not configured"},
		{"started: starting is enough", started, depsView{"db": {Configured: true, State: StateStarting}}, ""},
		{"started: backoff is not", started, dbDown, "waiting for db to start (depends_on: started)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := waitingFor(tc.cfg, tc.deps); got != tc.want {
				t.Errorf("waitingFor() = %q, want %q", got, tc.want)
			}
		})
	}
}

func wantWait(sub string) func(*testing.T, decision) {
	return func(t *testing.T, d decision) {
		if !strings.Contains(d.wait, sub) {
			t.Errorf("decision wait = %q, want it to contain %q", d.wait, sub)
		}
	}
}

func wantReason(sub string) func(*testing.T, decision) {
	return func(t *testing.T, d decision) {
		if !strings.Contains(d.reason, sub) {
			t.Errorf("decision reason = %q, want it to contain %q", d.reason, sub)
		}
	}
}

func wantDelay(delay time.Duration) func(*testing.T, decision) {
	return func(t *testing.T, d decision) {
		if d.delay != delay {
			t.Errorf("decision delay = %s, want %s", d.delay, delay)
		}
	}
}

func wantCounted(t *testing.T, d decision) {
	if !d.countRestart {
		t.Errorf("decision = %+v, want a restart counted", d)
	}
}

func wantUnwanted(t *testing.T, d decision) {
	if d.want {
		t.Errorf("decision = %+v, want the service no longer wanted", d)
	}
}
