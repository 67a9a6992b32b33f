package watchdog

import (
	"context"
	"errors"

	"github.com/vigilhq/vigil/watchdog/proc"
)

// terminateStale stops a saved process that must not be adopted as is (its
// configuration changed while no watchdog ran): its whole tree, gracefully.
func (s *service) terminateStale(sp savedProcess) {
	if ticks, err := proc.StartTime(sp.PID); err != nil || ticks != sp.StartTicks {
		return
	}
	s.log.Warn("configuration changed while the watchdog was down: restarting the running copy", "pid", sp.PID)
	s.stopGroup(proc.Group{Root: sp.PID, PGID: sp.PGID, Marker: s.marker()}, s.cfg.Stop.Timeout)
}

// adopt is called by the loop before anything else when a previous watchdog
// left this service running.
func (s *service) adopt(ctx context.Context, sp savedProcess) bool {
	if sp.ConfigHash != s.cfgHash {
		s.terminateStale(sp)
		return false
	}
	p, sockets, err := proc.Adopt(proc.Saved{PID: sp.PID, PGID: sp.PGID, Ticks: sp.StartTicks, StartedAt: sp.StartedAt, Sockets: sp.Sockets})
	if err != nil {
		if !errors.Is(err, proc.ErrNotAdoptable) {
			s.log.Error("cannot adopt", "pid", sp.PID, "err", err)
		}
		return false
	}
	s.sockets = sockets
	s.running(ctx, p, true)
	s.log.Info("adopted running process after a watchdog restart", "pid", p.PID, "since", p.Started)
	return true
}

// adoptRunning is called by the loop before its first start. It adopts the
// process the state file names or, when that is stale or missing (a state
// write failed: disk full), the one still carrying the service's markers.
// Whatever of the service is still running and not adopted is stopped, so
// the start that follows never makes a second copy.
func (s *service) adoptRunning(ctx context.Context, saved *savedProcess) bool {
	if saved != nil && s.adopt(ctx, *saved) {
		return true
	}
	found, running := s.findRunning()
	if running && (saved == nil || found.PID != saved.PID) {
		s.log.Warn("service found running by its environment marker, not in the state file (a state write failed?): adopting it", "pid", found.PID)
		if s.adopt(ctx, found) {
			return true
		}
	}
	if left := proc.Running(s.group(nil)); len(left) > 0 {
		s.log.Warn("stopping what is left of the service before starting it", "pids", left)
		s.stopGroup(s.group(nil), s.cfg.Stop.Timeout)
	}
	if saved != nil && !running && saved.ConfigHash == s.cfgHash {
		s.log.Warn("service died while the watchdog was down: starting it", "pid", saved.PID)
		s.publish(Event{Kind: EventRestart, Severity: SeverityWarning, PID: saved.PID, Reason: "died while the watchdog was down"})
	}
	return false
}

// findRunning looks for the service's main process by its markers.
func (s *service) findRunning() (savedProcess, bool) {
	sp, hash, ok := proc.FindMain(s.marker(), EnvServiceConfig)
	if !ok {
		return savedProcess{}, false
	}
	return savedProcess{PID: sp.PID, PGID: sp.PGID, StartTicks: sp.Ticks, StartedAt: sp.StartedAt, ConfigHash: hash, Sockets: sp.Sockets}, true
}
