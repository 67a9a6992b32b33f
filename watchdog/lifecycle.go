package watchdog

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// step asks decide what to do about ev and does it. A start that cannot
// happen (a held port, the start limit, a failed spawn) is the next event,
// until a decision needs no more: a loop, never a recursion.
func (s *service) step(ctx context.Context, ev event) {
	for {
		d, err := decide(s.facts(), ev)
		if err != nil {
			s.log.Error("invalid state transition (bug)", "event", ev.kind.String(), "err", err)
		}
		next, more := s.carry(ctx, ev, d)
		if !more {
			return
		}
		ev = next
	}
}

// facts is what decide and assess know of the service.
func (s *service) facts() facts {
	s.mu.Lock()
	state := s.snap.State
	s.mu.Unlock()
	return facts{state: state, want: s.want, running: s.proc != nil, retrying: s.pace.timerC != nil, cfg: s.cfg, deps: s.deps}
}

// carry does what d says about ev, in the order decision documents. It
// returns the next event when a start failed.
func (s *service) carry(ctx context.Context, ev event, d decision) (event, bool) {
	s.setWant(d.want)
	if d.cancelTimer {
		s.stopTimer()
	}
	if d.stop {
		if ev.kind == evRestart {
			s.publish(Event{Kind: EventRestart, Reason: ev.reason, PID: s.proc.PID})
		}
		s.stopProcess(ev.reason)
	}
	if d.countRestart {
		s.bumpRestarts()
	}
	for _, st := range d.states {
		s.setState(st, d.reason)
	}
	if ev.kind == evStartLimit {
		s.publish(Event{Kind: EventStartLimit, Severity: SeverityCritical, Reason: ev.reason, Attempt: s.pace.attempt})
	}
	if d.resetBackoff {
		s.pace.backoff = newBackoff(s.cfg.Restart.Backoff, s.pace.rng)
	}
	if d.clearStarts {
		s.pace.starts = nil
	}
	if d.wait != "" {
		s.mu.Lock()
		s.snap.Reason = d.wait
		s.mu.Unlock()
	}
	switch d.next {
	case nextStart:
		if d.announce != "" {
			s.pace.attempt = 0
			s.publish(Event{Kind: EventRestart, Reason: d.announce, Attempt: 0})
		}
		return s.start(ctx)
	case nextBackoff:
		s.retryAfterBackoff(ev, d)
	case nextAfter:
		s.setTimer(d.delay)
	}
	return event{}, false
}

// retryAfterBackoff draws the next backoff delay and arms the timer; a
// restart after a failure is announced with its attempt and delay.
func (s *service) retryAfterBackoff(ev event, d decision) {
	if d.announce != "" && ev.uptime < 2*time.Second && len(s.cfg.Ports) > 0 {
		// Only a delayed restart needs the diagnosis now; an immediate one
		// checks the ports before it starts anyway.
		if hs := s.foreignHolders(); len(hs) > 0 {
			s.reportConflict(hs) // it most likely failed to bind
		}
	}
	delay, _ := s.pace.backoff.Next()
	s.pace.attempt++
	reason := d.reason
	if d.announce != "" {
		s.publish(Event{Kind: EventRestart, Reason: fmt.Sprintf("%s after %s up; restarting in %s", d.announce, ev.uptime.Round(time.Millisecond), delay.Round(time.Millisecond)), Attempt: s.pace.attempt})
		reason = fmt.Sprintf("%s; restart %d in %s", d.announce, s.pace.attempt, delay.Round(time.Millisecond))
	}
	s.setState(StateBackoff, reason)
	s.setTimer(delay)
}

// start starts the process once the ports are free and the start limit
// allows. Otherwise it returns the event saying why not.
func (s *service) start(ctx context.Context) (event, bool) {
	if ctx.Err() != nil {
		return event{}, false
	}
	if holders := s.resolvePorts(ctx); len(holders) > 0 {
		return event{kind: evPortsHeld, reason: describeHolders(holders)}, true
	}
	if reason, hit := s.startLimited(); hit {
		return event{kind: evStartLimit, reason: reason}, true
	}
	if len(s.cfg.Sockets) > 0 && s.sockets == nil {
		ss, err := bindSockets(s.cfg)
		if err != nil {
			reason := "bind sockets: " + err.Error() + ": free the address or change sockets:"
			s.publish(Event{Kind: EventError, Severity: SeverityCritical, Reason: reason})
			return event{kind: evStartFailed, reason: reason}, true
		}
		s.sockets = ss
	}
	p, err := spawn(s.cfg, s.logPath, s.environ(), s.sockets, s.env.shim)
	if err != nil {
		s.publish(Event{Kind: EventError, Severity: SeverityCritical, Reason: "start failed: " + err.Error()})
		s.log.Error("start failed", "err", s.cfg.Redact(err.Error()))
		s.pace.starts = append(s.pace.starts, time.Now())
		return event{kind: evStartFailed, reason: "start failed: " + err.Error()}, true
	}
	s.pace.starts = append(s.pace.starts, p.Started)
	s.running(ctx, p, false)
	return event{}, false
}

// running records p as the service's process and starts its checks.
func (s *service) running(ctx context.Context, p *proc.Process, adopted bool) {
	s.proc = p
	started := p.Started
	s.mu.Lock()
	s.snap.PID, s.snap.PGID, s.snap.StartedAt, s.snap.Adopted = p.PID, p.PGID, &started, adopted
	s.snap.Holders = nil
	s.saved = savedProcess{PID: p.PID, PGID: p.PGID, StartTicks: p.Ticks, StartedAt: p.Started, ConfigHash: s.cfgHash}
	if s.sockets != nil {
		s.saved.Sockets = len(s.sockets.Files)
	}
	s.mu.Unlock()
	notify(s.env.persist)
	s.holders = nil
	kind, verb := EventStarted, "started"
	if adopted {
		kind, verb = EventAdopted, "adopted"
	}
	s.publish(Event{Kind: kind, PID: p.PID, Attempt: s.pace.attempt})
	s.log.Info(verb, "pid", p.PID, "attempt", s.pace.attempt)
	cs := newCheckSet(s, p)
	s.mu.Lock()
	s.checks = cs
	s.mu.Unlock()
	cs.start(ctx)
	if s.checks.hasLiveness() {
		s.setState(StateStarting, "waiting for liveness")
	} else {
		s.setState(StateStarting, "")
		s.setState(StateRunning, "")
	}
}

// startLimited applies the start limit: more than burst starts within
// interval. It returns the reason when the limit is hit, and clears the
// window for the retry after the cooldown.
func (s *service) startLimited() (string, bool) {
	lim := s.cfg.Restart.Limit
	if lim.Burst <= 0 || lim.Interval <= 0 {
		return "", false
	}
	cutoff := time.Now().Add(-lim.Interval)
	kept := s.pace.starts[:0]
	for _, t := range s.pace.starts {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	s.pace.starts = kept
	if len(kept) < lim.Burst {
		return "", false
	}
	reason := fmt.Sprintf("start limit: %d starts within %s; retrying in %s (restart.limit)", len(kept), lim.Interval, lim.Cooldown)
	s.log.Error("start limit reached", "starts", len(kept), "cooldown", lim.Cooldown)
	s.pace.starts = nil
	return reason, true
}

// onExit records the end of the service's process, stops what is left of
// its tree and returns the event for decide.
func (s *service) onExit(ex proc.Exit) event {
	p := s.proc
	s.proc = nil
	s.checks.stop()
	s.stopGroup(s.group(p), time.Second)
	uptime := s.uptime(p, &ex)
	s.recordExit(ex, uptime)
	sev := SeverityWarning
	if !s.want {
		sev = SeverityInfo
	}
	s.publish(Event{Kind: EventExited, Severity: sev, PID: p.PID, ExitCode: &ex.Code, Signal: ex.Signal, Reason: ex.String()})
	s.log.Warn("exited", "pid", p.PID, "exit", ex.String(), "uptime", uptime.Round(time.Millisecond))
	return event{kind: evExit, reason: ex.String(), code: ex.Code, uptime: uptime}
}

func (s *service) recordExit(ex proc.Exit, uptime time.Duration) {
	s.mu.Lock()
	s.snap.LastExit = &Exit{Time: ex.At, Code: ex.Code, Signal: ex.Signal, Uptime: Duration(uptime.Round(time.Millisecond))}
	s.snap.PID, s.snap.PGID, s.snap.StartedAt, s.snap.RSS, s.snap.Adopted = 0, 0, nil, 0, false
	// Not persisted here: the next start (or shutdown) writes the state, and
	// a dead pid left in the file meanwhile never matches its start time.
	s.saved = savedProcess{}
	s.mu.Unlock()
}

// stopProcess stops the whole process tree (group, descendants and marked
// processes, see proc.StopGroup): the stop signal, the grace period, then
// SIGKILL and a check that nothing survived.
func (s *service) stopProcess(reason string) {
	p := s.proc
	s.setState(StateStopping, reason)
	if out := s.stopGroup(s.group(p), s.cfg.Stop.Timeout); out.Killed {
		s.log.Warn("stop timeout: sent SIGKILL to the process tree", "pid", p.PID, "timeout", s.cfg.Stop.Timeout)
	}
	ex := <-p.Done
	s.proc = nil
	s.checks.stop()
	uptime := s.uptime(p, &ex)
	s.recordExit(ex, uptime)
	s.publish(Event{Kind: EventExited, PID: p.PID, ExitCode: &ex.Code, Signal: ex.Signal, Reason: "stopped: " + ex.String()})
	s.log.Info("stopped", "pid", p.PID, "exit", ex.String())
	s.setState(StateStopped, reason)
}

// checkMemory samples the group's RSS and restarts the service gracefully
// when it exceeds max_memory.
func (s *service) checkMemory(ctx context.Context) {
	if s.proc == nil {
		return
	}
	u, err := proc.GroupUsage(s.proc.PGID)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.snap.RSS = u.RSS
	s.mu.Unlock()
	if u.RSS <= int64(s.cfg.MaxMemory) {
		return
	}
	reason := fmt.Sprintf("memory %s above max_memory %s", config.ByteSize(u.RSS), s.cfg.MaxMemory)
	s.publish(Event{Kind: EventMemoryRestart, Severity: SeverityWarning, PID: s.proc.PID, Reason: reason})
	s.log.Warn("memory restart", "rss", u.RSS, "max", int64(s.cfg.MaxMemory))
	s.step(ctx, event{kind: evMemory, reason: reason})
}

// uptime is how long p ran. The exit is dated to the earliest moment it may
// have happened (see awake): never later because the watchdog was stopped.
func (s *service) uptime(p *proc.Process, ex *proc.Exit) time.Duration {
	ex.At = s.env.awake.exitTime(ex.At)
	if ex.At.Before(p.Started) {
		ex.At = p.Started
	}
	return ex.At.Sub(p.Started)
}
