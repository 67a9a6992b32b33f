package watchdog

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/health"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// checkSet runs one process's liveness and readiness checks. It is created
// when the process starts and stopped (its goroutines awaited, its checkers
// closed) when the process ends. All methods are nil-safe.
type checkSet struct {
	svc    *service
	checks []*runningCheck
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type runningCheck struct {
	typ string // liveness | readiness
	mon *health.Monitor
	chk health.Checker
}

// groupStats reads a process group's resource use for process checks.
type groupStats int

func (g groupStats) Stats() (int64, int, error) {
	u, err := proc.GroupUsage(int(g))
	return u.RSS, u.FDs, err
}

func newCheckSet(s *service, p *proc.Process) *checkSet {
	cs := &checkSet{svc: s}
	deps := health.Deps{Group: groupStats(p.PGID), Env: append(os.Environ(), s.cfg.Environ()...), Dir: s.cfg.Dir, Redact: s.cfg.RedactEnv}
	add := func(typ string, list []config.Check) {
		for _, c := range list {
			chk, err := health.New(c, deps)
			if err != nil {
				s.publish(Event{Kind: EventError, Severity: SeverityCritical, Check: c.Name, Reason: "check " + c.Name + ": " + err.Error()})
				continue
			}
			opts := []health.Option{health.WithRedact(s.cfg.RedactEnv)}
			if s.env.metrics != nil {
				opts = append(opts, health.WithMetrics(s.env.metrics))
			}
			mon := health.NewMonitor(s.name, c, chk, func(r health.Result) { s.onCheckChange(typ, r) }, opts...)
			cs.checks = append(cs.checks, &runningCheck{typ: typ, mon: mon, chk: chk})
		}
	}
	add("liveness", s.cfg.Health.Liveness)
	add("readiness", s.cfg.Health.Readiness)
	return cs
}

// onCheckChange runs on a monitor goroutine: it records the flip as an event
// and wakes the service loop, never blocking.
func (s *service) onCheckChange(typ string, r health.Result) {
	sev := SeverityInfo
	if !r.Passing {
		sev = SeverityWarning
	}
	reason := r.Detail
	if !r.Passing {
		reason = r.Error
	}
	s.publish(Event{Kind: EventCheck, Severity: sev, Check: r.Check, Reason: typ + " " + passFail(r.Passing) + ": " + reason, Recovered: r.Passing})
	notify(s.checkCh)
}

func passFail(ok bool) string {
	if ok {
		return "passing"
	}
	return "failing"
}

func (cs *checkSet) start(ctx context.Context) {
	if cs == nil || len(cs.checks) == 0 {
		return
	}
	ctx, cs.cancel = context.WithCancel(ctx)
	for _, c := range cs.checks {
		cs.wg.Add(1)
		go func(m *health.Monitor) {
			defer cs.wg.Done()
			_ = m.Run(ctx)
		}(c.mon)
	}
}

// stop cancels the monitors, waits for them and closes the checkers.
func (cs *checkSet) stop() {
	if cs == nil || cs.cancel == nil {
		return
	}
	cs.cancel()
	cs.wg.Wait()
	for _, c := range cs.checks {
		_ = health.Close(c.chk)
	}
	cs.cancel = nil
}

func (cs *checkSet) hasLiveness() bool {
	if cs == nil {
		return false
	}
	for _, c := range cs.checks {
		if c.typ == "liveness" {
			return true
		}
	}
	return false
}

// livenessFailing names a liveness check whose thresholded state is failing.
func (cs *checkSet) livenessFailing() (string, bool) {
	if cs == nil {
		return "", false
	}
	for _, c := range cs.checks {
		if r := c.mon.Snapshot(); c.typ == "liveness" && r.Decided && !r.Passing {
			return r.Check, true
		}
	}
	return "", false
}

// livenessPassed reports whether every liveness check has passed.
func (cs *checkSet) livenessPassed() bool {
	if cs == nil {
		return true
	}
	for _, c := range cs.checks {
		if r := c.mon.Snapshot(); c.typ == "liveness" && !(r.Decided && r.Passing) {
			return false
		}
	}
	return true
}

// readinessNotPassing names a readiness check of the given criticality whose
// thresholded state is failing, and else one that has not passed yet: a
// readiness check with no verdict (just started, or failing fewer than
// `failures` times since) does not count as passing.
func (cs *checkSet) readinessNotPassing(critical bool) (failing, pending string) {
	if cs == nil {
		return "", ""
	}
	for _, c := range cs.checks {
		r := c.mon.Snapshot()
		if c.typ != "readiness" || r.Critical != critical {
			continue
		}
		switch {
		case r.Decided && !r.Passing:
			return r.Check, ""
		case !r.Decided && pending == "":
			pending = r.Check
		}
	}
	return "", pending
}

func (cs *checkSet) failures(name string) int {
	if cs == nil {
		return 0
	}
	for _, c := range cs.checks {
		if r := c.mon.Snapshot(); r.Check == name {
			return r.ConsecutiveFailures
		}
	}
	return 0
}

func (cs *checkSet) results() []CheckStatus {
	if cs == nil {
		return nil
	}
	out := make([]CheckStatus, 0, len(cs.checks))
	for _, c := range cs.checks {
		r := c.mon.Snapshot()
		out = append(out, CheckStatus{
			Name: r.Check, Kind: r.Kind, Type: c.typ, Critical: r.Critical, Passing: r.Decided && r.Passing,
			Detail: r.Detail, Error: r.Error, Latency: Duration(r.Latency.Round(time.Microsecond)),
			ConsecutiveFailures: r.ConsecutiveFailures, LastRun: r.LastRun,
		})
	}
	return out
}

// resetLiveness restarts the liveness monitors' counting (and start period).
func (cs *checkSet) resetLiveness() {
	if cs == nil {
		return
	}
	for _, c := range cs.checks {
		if c.typ == "liveness" {
			c.mon.Reset()
		}
	}
}

// readinessLastFailed names a readiness check whose latest run failed, even
// before its failure threshold: a dependency that has just gone away must
// block a liveness restart, whichever check noticed first.
func (cs *checkSet) readinessLastFailed() string {
	if cs == nil {
		return ""
	}
	for _, c := range cs.checks {
		if r := c.mon.Snapshot(); c.typ == "readiness" && !r.LastRun.IsZero() && (!r.OK || (r.Decided && !r.Passing)) {
			return r.Check
		}
	}
	return ""
}
