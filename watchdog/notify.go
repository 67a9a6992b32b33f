package watchdog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// DefaultStartTimeout bounds how long READY=1 waits for the services:
// systemd's default TimeoutStartSec (90 s) minus a 10 s margin, so READY=1,
// with a STATUS= naming what is not up, reaches systemd before it gives up
// on the start and kills the watchdog.
const DefaultStartTimeout = 80 * time.Second

// statusEvery is the shortest gap between two STATUS= updates. A change
// inside the gap is sent when it ends, so the last change always arrives.
const statusEvery = 200 * time.Millisecond

// passTimeout bounds how long READY=1 waits for every loop to answer a no-op.
const passTimeout = 5 * time.Second

// notify sends an sd_notify(3) message when the watchdog runs under systemd
// (NOTIFY_SOCKET set); otherwise it does nothing.
func (s *Supervisor) notify(state string) {
	if !s.opts.Notify {
		return
	}
	if _, err := daemon.SdNotify(false, state); err != nil {
		s.log.Warn("sd_notify failed", "err", err)
	}
}

// notifier is the state of one Run's conversation with systemd; only the
// goroutine in Supervisor.systemd touches it.
type notifier struct {
	sup     *Supervisor
	ready   bool        // READY=1 sent
	late    bool        // READY=1 went out at the start timeout; STATUS= names what is not up
	waiting []string    // before READY=1: the services (or loops) it waits for
	sent    string      // the last STATUS= text
	sentAt  time.Time   // when it was sent
	settle  *time.Timer // before READY=1: the next start_period end, or a retry
	flush   *time.Timer // a STATUS= change held back by statusEvery
}

// systemd speaks sd_notify(3) until ctx ends: READY=1 once every wanted
// service is up (see service.up) or StartTimeout has passed, STATUS= on
// every change of the summary, and after READY=1 WATCHDOG=1 every
// WatchdogInterval while every loop answers. Run starts it and waits for it.
func (s *Supervisor) systemd(ctx context.Context) {
	n := &notifier{sup: s, settle: stoppedTimer(), flush: stoppedTimer()}
	defer n.settle.Stop()
	defer n.flush.Stop()
	start := time.NewTimer(s.opts.StartTimeout)
	defer start.Stop()
	beat := time.NewTicker(time.Hour)
	beat.Stop()
	defer beat.Stop()
	for {
		if !n.ready && n.tryReady(ctx) && s.opts.WatchdogInterval > 0 {
			beat.Reset(s.opts.WatchdogInterval)
		}
		n.status()
		select {
		case <-ctx.Done():
			return
		case <-s.changes:
		case <-n.settle.C:
		case <-n.flush.C:
		case <-start.C:
			if !n.ready {
				n.ready, n.late = true, true
				s.log.Warn("start timeout: telling systemd READY=1 with services not up", "timeout", s.opts.StartTimeout, "services", n.waiting)
				n.send("READY=1\n", n.text())
				if s.opts.WatchdogInterval > 0 {
					beat.Reset(s.opts.WatchdogInterval)
				}
			}
		case <-beat.C:
			n.heartbeat(ctx)
		}
	}
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// tryReady sends READY=1 when every wanted service is up and every loop
// answers, and reports whether it did. Otherwise it records what it waits
// for and arms settle for the next start_period end (or a retry).
func (n *notifier) tryReady(ctx context.Context) bool {
	names, next := n.sup.unready(time.Now())
	n.waiting = names
	switch {
	case len(names) > 0:
		if !next.IsZero() {
			n.settle.Reset(time.Until(next))
		}
		return false
	case ctx.Err() != nil:
		return false
	}
	if stuck := n.sup.pass(ctx, passTimeout); len(stuck) > 0 {
		n.waiting = stuck
		n.settle.Reset(time.Second)
		return false
	}
	n.ready = true
	n.send("READY=1\n", n.text())
	return true
}

// text is the STATUS= line: what start waits for, then the health summary,
// after a late READY=1 followed by the services still not up.
func (n *notifier) text() string {
	if !n.ready {
		return "starting: waiting for " + strings.Join(n.waiting, ", ")
	}
	sum := n.sup.summary()
	if n.late {
		if names, _ := n.sup.unready(time.Now()); len(names) > 0 {
			return fmt.Sprintf("%s; not up after %s: %s", sum, n.sup.opts.StartTimeout, strings.Join(names, ", "))
		}
		n.late = false
	}
	return sum
}

// status sends STATUS= when the text changed, at most once per statusEvery.
func (n *notifier) status() {
	text := n.text()
	if text == n.sent {
		return
	}
	if wait := time.Until(n.sentAt.Add(statusEvery)); wait > 0 {
		n.flush.Reset(wait)
		return
	}
	n.send("", text)
}

// send sends the state lines (each ending in "\n") with STATUS=text.
func (n *notifier) send(state, text string) {
	n.sup.notify(state + "STATUS=" + text)
	n.sent, n.sentAt = text, time.Now()
}

// heartbeat sends WATCHDOG=1 (with STATUS=) when every loop completed a pass;
// a deadlocked loop stops the pings so systemd restarts the watchdog.
func (n *notifier) heartbeat(ctx context.Context) {
	stuck := n.sup.pass(ctx, n.sup.opts.WatchdogInterval/2)
	if len(stuck) > 0 {
		n.sup.log.Error("supervision loop not answering: withholding the systemd watchdog ping", "services", stuck)
		n.send("", "supervision loop stuck: "+strings.Join(stuck, ", "))
		return
	}
	n.send("WATCHDOG=1\n", n.text())
}

// summary is the one-line health summary in STATUS=.
func (s *Supervisor) summary() string {
	st := s.Status()
	counts := map[Health]int{}
	for _, svc := range st.Services {
		counts[svc.Health]++
	}
	var parts []string
	for _, h := range []Health{HealthHealthy, HealthDegraded, HealthBlocked, HealthUnhealthy} {
		if counts[h] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[h], h))
		}
	}
	return fmt.Sprintf("%s: %s", st.Status, strings.Join(parts, ", "))
}

// unready names, sorted, the services not up yet (see service.up), and the
// earliest time a start_period among them ends (zero if none).
func (s *Supervisor) unready(now time.Time) (names []string, next time.Time) {
	for _, svc := range s.serviceList() {
		up, until := svc.up(now)
		if up {
			continue
		}
		names = append(names, svc.name)
		if !until.IsZero() && (next.IsZero() || until.Before(next)) {
			next = until
		}
	}
	sort.Strings(names)
	return names, next
}

// up reports whether the service counts as started for READY=1: it is not
// wanted, or its process runs and its liveness checks have passed once
// (state running; at once without liveness checks), or its longest liveness
// start_period has elapsed. If not, until is when that start_period ends
// (zero without one).
func (s *service) up(now time.Time) (ok bool, until time.Time) {
	if !s.wanted.Load() {
		return true, time.Time{}
	}
	s.mu.Lock()
	state, started := s.snap.State, s.snap.StartedAt
	s.mu.Unlock()
	if state == StateRunning {
		return true, time.Time{}
	}
	var grace time.Duration
	for _, c := range s.cfg.Health.Liveness {
		grace = max(grace, c.StartPeriod)
	}
	if state != StateStarting || started == nil || grace == 0 {
		return false, time.Time{}
	}
	end := started.Add(grace)
	return !now.Before(end), end
}

// serviceList is a snapshot of the running service loops.
func (s *Supervisor) serviceList() []*service {
	s.mu.RLock()
	defer s.mu.RUnlock()
	svcs := make([]*service, 0, len(s.services))
	for _, svc := range s.services {
		svcs = append(svcs, svc)
	}
	return svcs
}

// pass asks every service loop to answer within timeout and reports the
// loops that did not. A loop inside a bounded blocking step (stopping a
// process group, killing a port holder) is excused until that bound.
func (s *Supervisor) pass(ctx context.Context, timeout time.Duration) []string {
	svcs := s.serviceList()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	var stuck []string
	var wg sync.WaitGroup
	for _, svc := range svcs {
		wg.Add(1)
		go func(svc *service) {
			defer wg.Done()
			if err := svc.call(ctx, func() {}); err != nil && !svc.busy() {
				mu.Lock()
				stuck = append(stuck, svc.name)
				mu.Unlock()
			}
		}(svc)
	}
	wg.Wait()
	sort.Strings(stuck)
	return stuck
}
