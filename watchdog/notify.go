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

// summary is the one-line STATUS= text.
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

// pass asks every service loop to answer within timeout and reports the
// loops that did not. A loop inside a bounded blocking step (stopping a
// process group, killing a port holder) is excused until that bound.
func (s *Supervisor) pass(ctx context.Context, timeout time.Duration) []string {
	s.mu.RLock()
	svcs := make([]*service, 0, len(s.services))
	for _, svc := range s.services {
		svcs = append(svcs, svc)
	}
	s.mu.RUnlock()
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

// heartbeat sends WATCHDOG=1 (with STATUS=) when every loop completed a pass;
// a deadlocked loop stops the pings so systemd restarts the watchdog.
func (s *Supervisor) heartbeat(ctx context.Context) {
	stuck := s.pass(ctx, s.opts.WatchdogInterval/2)
	if len(stuck) > 0 {
		s.log.Error("supervision loop not answering: withholding the systemd watchdog ping", "services", stuck)
		s.notify("STATUS=supervision loop stuck: " + strings.Join(stuck, ", "))
		return
	}
	s.notify("WATCHDOG=1\nSTATUS=" + s.summary())
}
