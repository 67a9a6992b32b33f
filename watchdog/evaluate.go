package watchdog

import (
	"context"
	"fmt"
)

// evaluate recomputes the service's health from its state, checks and
// dependencies, restarts it when liveness has failed (unless blocked), and
// emits a health event when the level changes.
func (s *service) evaluate(ctx context.Context) {
	h, reason := s.assess(ctx)
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
	s.sup.changed()
}

// assess decides the health level; it may restart the service on a liveness failure.
func (s *service) assess(ctx context.Context) (Health, string) {
	if s.proc == nil {
		return HealthUnhealthy, "not running"
	}
	if check, failing := s.checks.livenessFailing(); failing {
		if dep := s.blockedBy(); dep != "" {
			s.blocked = true
			return HealthBlocked, fmt.Sprintf("liveness check %s failing while %s: not restarting until it recovers", check, dep)
		}
		if s.blocked {
			// The dependency just recovered: judge liveness afresh instead of
			// acting on failures counted while it was down.
			s.blocked = false
			s.checks.resetLiveness()
			return HealthUnhealthy, "dependency recovered; re-checking liveness"
		}
		reason := fmt.Sprintf("liveness check %s failed %d times in a row", check, s.checks.failures(check))
		s.publish(Event{Kind: EventRestart, Severity: SeverityWarning, Check: check, PID: s.proc.PID, Reason: reason})
		s.log.Warn("liveness restart", "check", check)
		s.stopProcess(reason)
		s.bumpRestarts()
		s.tryStart(ctx)
		if s.proc == nil {
			return HealthUnhealthy, reason
		}
		return HealthUnhealthy, "restarted: " + reason
	}
	s.blocked = false
	if s.snap.State == StateStarting {
		if !s.checks.livenessPassed() {
			return HealthUnhealthy, "starting: liveness not yet passed"
		}
		s.setState(StateRunning, "")
	}
	if name := s.checks.readinessFailing(true); name != "" {
		return HealthUnhealthy, "critical check " + name + " failing"
	}
	if name := s.checks.readinessFailing(false); name != "" {
		return HealthDegraded, "non-critical check " + name + " failing"
	}
	return HealthHealthy, ""
}

// blockedBy names what this service depends on that is failing: a
// depends_on service that is not healthy, or one of its own readiness
// (deep) checks. Empty when nothing is.
func (s *service) blockedBy() string {
	if dep := s.sup.failingDependency(s.cfg); dep != "" {
		return dep
	}
	if name := s.checks.readinessLastFailed(); name != "" {
		return "readiness check " + name + " is failing"
	}
	return ""
}
