package watchdog

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// tryStart starts the process if it is wanted and every precondition holds:
// dependencies ready, declared ports free (or freed by policy), start limit
// not exceeded. Otherwise it arranges to try again.
func (s *service) tryStart(ctx context.Context) {
	if !s.want || s.proc != nil || ctx.Err() != nil {
		return
	}
	if wait := s.sup.waitingFor(s.cfg); wait != "" {
		s.mu.Lock()
		s.snap.Reason = wait
		s.mu.Unlock()
		return // a kick arrives when a dependency changes
	}
	if !s.resolvePorts(ctx) {
		return
	}
	if s.startLimited() {
		return
	}
	if len(s.cfg.Sockets) > 0 && s.sockets == nil {
		ss, err := bindSockets(s.cfg)
		if err != nil {
			reason := "bind sockets: " + err.Error() + ": free the address or change sockets:"
			s.publish(Event{Kind: EventError, Severity: SeverityCritical, Reason: reason})
			s.afterFailure(ctx, reason, 0)
			return
		}
		s.sockets = ss
	}
	p, err := spawn(s.cfg, s.logPath, s.environ(), s.sockets, s.sup.opts.ShimPath)
	if err != nil {
		s.publish(Event{Kind: EventError, Severity: SeverityCritical, Reason: "start failed: " + err.Error()})
		s.log.Error("start failed", "err", s.cfg.Redact(err.Error()))
		s.starts = append(s.starts, time.Now())
		s.afterFailure(ctx, "start failed: "+err.Error(), 0)
		return
	}
	s.starts = append(s.starts, p.Started)
	s.running(ctx, p, false)
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
	s.sup.persist()
	s.holders = nil
	kind, verb := EventStarted, "started"
	if adopted {
		kind, verb = EventAdopted, "adopted"
	}
	s.publish(Event{Kind: kind, PID: p.PID, Attempt: s.attempt})
	s.log.Info(verb, "pid", p.PID, "attempt", s.attempt)
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
	s.evaluate(ctx)
}

// startLimited applies the start limit: more than burst starts within
// interval → failed, a critical event, and a retry after cooldown.
func (s *service) startLimited() bool {
	lim := s.cfg.Restart.Limit
	if lim.Burst <= 0 || lim.Interval <= 0 {
		return false
	}
	cutoff := time.Now().Add(-lim.Interval)
	kept := s.starts[:0]
	for _, t := range s.starts {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	s.starts = kept
	if len(kept) < lim.Burst {
		return false
	}
	reason := fmt.Sprintf("start limit: %d starts within %s; retrying in %s (restart.limit)", len(kept), lim.Interval, lim.Cooldown)
	s.setState(StateFailed, reason)
	s.publish(Event{Kind: EventStartLimit, Severity: SeverityCritical, Reason: reason, Attempt: s.attempt})
	s.log.Error("start limit reached", "starts", len(kept), "cooldown", lim.Cooldown)
	s.starts = nil
	s.setTimer(lim.Cooldown)
	return true
}

// resolvePorts checks the declared ports and applies port_conflict.
// It reports whether the start may proceed.
func (s *service) resolvePorts(ctx context.Context) bool {
	holders := s.foreignHolders()
	if len(holders) == 0 {
		if len(s.holders) > 0 {
			s.publish(Event{Kind: EventPortConflict, Recovered: true, Reason: "ports free again"})
			s.holders = nil
		}
		return true
	}
	s.reportConflict(holders)
	switch s.cfg.PortConflict {
	case config.PortKillHolder:
		if s.killHolders(ctx, holders) {
			return true
		}
		fallthrough
	case config.PortWait:
		d, _ := s.backoff.Next()
		s.attempt++
		s.setState(StateBackoff, describeHolders(holders)+": waiting (port_conflict: wait); stop it or set port_conflict: kill-holder")
		s.setTimer(d)
	case config.PortFail:
		reason := describeHolders(holders) + ": not starting (port_conflict: fail); stop it, then `watchdog start " + s.name + "`"
		s.setState(StateFailed, reason)
		s.setTimer(s.cfg.Restart.Limit.Cooldown)
	}
	return false
}

// foreignHolders lists holders of declared ports outside our own process group.
func (s *service) foreignHolders() []PortHolder {
	ports := s.checkedPorts()
	if len(ports) == 0 {
		return nil
	}
	var out []PortHolder
	for _, h := range proc.PortHolders(ports) {
		if h.PID == os.Getpid() {
			continue // a socket we bound for the service (sockets:)
		}
		if h.PID != 0 && s.proc != nil {
			if st, err := proc.ReadStat(h.PID); err == nil && st.PGID == s.proc.PGID {
				continue
			}
		}
		out = append(out, PortHolder{Port: h.Port, PID: h.PID, Command: h.Command})
	}
	return out
}

// checkedPorts are the declared ports minus those of sockets the watchdog
// binds itself (sockets:), which it holds on the service's behalf.
func (s *service) checkedPorts() []int {
	own := map[string]bool{}
	for _, sc := range s.cfg.Sockets {
		if _, port, err := net.SplitHostPort(sc.Listen); err == nil {
			own[port] = true
		}
	}
	out := make([]int, 0, len(s.cfg.Ports))
	for _, p := range s.cfg.Ports {
		if !own[strconv.Itoa(p)] {
			out = append(out, p)
		}
	}
	return out
}

func describeHolders(hs []PortHolder) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = proc.Holder{Port: h.Port, PID: h.PID, Command: h.Command}.String()
	}
	return strings.Join(parts, "; ")
}

// reportConflict emits a port_conflict event when the holders changed.
func (s *service) reportConflict(holders []PortHolder) {
	s.mu.Lock()
	s.snap.Holders = holders
	s.mu.Unlock()
	if fmt.Sprint(holders) == fmt.Sprint(s.holders) {
		return
	}
	s.holders = holders
	for i := range holders {
		h := holders[i]
		s.publish(Event{Kind: EventPortConflict, Severity: SeverityCritical, PID: h.PID, Holder: &h,
			Reason: proc.Holder{Port: h.Port, PID: h.PID, Command: h.Command}.String() + fmt.Sprintf(" (port_conflict: %s)", s.cfg.PortConflict)})
		s.log.Warn("port conflict", "port", h.Port, "holder_pid", h.PID, "holder", h.Command, "policy", s.cfg.PortConflict)
	}
}

// killHolders terminates the holders (never ourselves or pid 1) and waits up
// to the stop timeout for the ports to be free.
func (s *service) killHolders(ctx context.Context, holders []PortHolder) bool {
	s.busyFor(s.cfg.Stop.Timeout + 5*time.Second)
	defer s.busyFor(0)
	for _, h := range holders {
		if h.PID <= 1 || h.PID == os.Getpid() {
			return false
		}
		s.log.Warn("killing port holder", "port", h.Port, "holder_pid", h.PID, "holder", h.Command)
		_ = syscall.Kill(h.PID, syscall.SIGTERM)
		_ = syscall.Kill(h.PID, syscall.SIGCONT)
	}
	deadline := time.Now().Add(s.cfg.Stop.Timeout)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for len(s.foreignHolders()) > 0 {
		if time.Now().After(deadline) {
			for _, h := range s.foreignHolders() {
				if h.PID > 1 {
					_ = syscall.Kill(h.PID, syscall.SIGKILL)
				}
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if time.Now().After(deadline.Add(2 * time.Second)) {
			return false
		}
	}
	return true
}

// onExit handles the end of the service's process and decides what next.
func (s *service) onExit(ctx context.Context, ex proc.Exit) {
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
	if !s.want {
		s.setState(StateExited, ex.String())
		s.setState(StateStopped, ex.String())
		return
	}
	switch s.cfg.Restart.Policy {
	case config.RestartNever:
		s.setWant(false)
		s.setState(StateExited, ex.String()+" (restart: never)")
		s.evaluate(ctx)
		return
	case config.RestartOnFailure:
		if ex.Code == 0 {
			s.setWant(false)
			s.setState(StateExited, ex.String()+" (restart: on-failure)")
			s.evaluate(ctx)
			return
		}
	}
	s.setState(StateExited, ex.String())
	s.afterFailure(ctx, ex.String(), uptime)
}

// afterFailure restarts at once after a stable run, else after backoff.
func (s *service) afterFailure(ctx context.Context, why string, uptime time.Duration) {
	s.bumpRestarts()
	if uptime >= s.cfg.Restart.ResetAfter {
		s.backoff = newBackoff(s.cfg.Restart.Backoff, s.rng)
		s.attempt = 0
		s.publish(Event{Kind: EventRestart, Reason: why + "; restarting now", Attempt: 0})
		s.tryStart(ctx)
		s.evaluate(ctx)
		return
	}
	// Only a delayed restart needs the diagnosis now; an immediate one
	// checks the ports in tryStart anyway.
	if uptime < 2*time.Second && len(s.cfg.Ports) > 0 {
		if hs := s.foreignHolders(); len(hs) > 0 {
			s.reportConflict(hs) // it most likely failed to bind
		}
	}
	d, _ := s.backoff.Next()
	s.attempt++
	s.publish(Event{Kind: EventRestart, Reason: fmt.Sprintf("%s after %s up; restarting in %s", why, uptime.Round(time.Millisecond), d.Round(time.Millisecond)), Attempt: s.attempt})
	s.setState(StateBackoff, fmt.Sprintf("%s; restart %d in %s", why, s.attempt, d.Round(time.Millisecond)))
	s.setTimer(d)
	s.evaluate(ctx)
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

// checkMemory restarts the service gracefully when its group RSS exceeds max_memory.
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
	s.stopProcess(reason)
	s.bumpRestarts()
	s.tryStart(ctx)
}

// uptime is how long p ran. The exit is dated to the earliest moment it may
// have happened (see awake): never later because the watchdog was stopped.
func (s *service) uptime(p *proc.Process, ex *proc.Exit) time.Duration {
	ex.At = s.sup.awake.exitTime(ex.At)
	if ex.At.Before(p.Started) {
		ex.At = p.Started
	}
	return ex.At.Sub(p.Started)
}
