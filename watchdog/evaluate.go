package watchdog

import "context"

// evaluate lets assess judge the service's checks and dependencies, does
// what the verdict says (a liveness restart goes through decide), and
// emits a health event when the level changes.
func (s *service) evaluate(ctx context.Context) {
	f := s.facts()
	v := assess(f, s.blocked, s.checkFacts())
	s.blocked = v.blocked
	if v.resetLiveness {
		s.checks.resetLiveness()
	}
	if v.live {
		s.setState(StateRunning, "")
	}
	if v.restart {
		s.publish(Event{Kind: EventRestart, Severity: SeverityWarning, Check: v.check, PID: s.proc.PID, Reason: v.reason})
		s.log.Warn("liveness restart", "check", v.check)
		s.step(ctx, event{kind: evLiveness, reason: v.reason})
		if s.proc != nil {
			v.reason = "restarted: " + v.reason
		}
	}
	s.setHealth(v.health, v.reason)
}

// checkFacts reads what the checks report for assess.
func (s *service) checkFacts() checkFacts {
	cs := s.checks
	name, _ := cs.livenessFailing()
	c := checkFacts{
		livenessFailing:     name,
		failures:            cs.failures(name),
		livenessPassed:      cs.livenessPassed(),
		readinessLastFailed: cs.readinessLastFailed(),
	}
	c.criticalFailing, c.criticalPending = cs.readinessNotPassing(true)
	c.degradedFailing, c.degradedPending = cs.readinessNotPassing(false)
	return c
}

// setHealth records the health level and emits an event when it changed.
func (s *service) setHealth(h Health, reason string) {
	s.mu.Lock()
	prev := s.snap.Health
	s.snap.Health = h
	if h == HealthBlocked || (reason != "" && s.proc != nil) {
		s.snap.Reason = reason
	}
	s.mu.Unlock()
	if h == prev {
		return
	}
	sev := SeverityInfo
	switch {
	case h == HealthUnhealthy && s.cfg.IsCritical():
		sev = SeverityCritical
	case h != HealthHealthy:
		sev = SeverityWarning
	}
	s.publish(Event{Kind: EventHealth, Severity: sev, Health: h, Reason: reason, Recovered: h == HealthHealthy})
	s.log.Info("health", "health", string(h), "was", string(prev), "reason", reason)
	notify(s.env.changed)
}
