package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// LiveStatus is a snapshot of a running scenario for the game day's status
// line.
type LiveStatus struct {
	Scenario string
	Elapsed  time.Duration
	// Probes maps each probe target to whether its last probe was good.
	Probes map[string]bool
	// Watchdog is the last watchdog answer: each service's state/health,
	// or the error when it did not answer.
	Watchdog string
	Writes   slo.LedgerCounts
}

// String renders the status on one line.
func (l LiveStatus) String() string {
	names := make([]string, 0, len(l.Probes))
	for n := range l.Probes {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s +%4.0fs probes:", l.Scenario, l.Elapsed.Seconds())
	for _, n := range names {
		mark := "DOWN"
		if l.Probes[n] {
			mark = "ok"
		}
		fmt.Fprintf(&b, " %s=%s", strings.SplitN(n, "/", 2)[0], mark)
	}
	fmt.Fprintf(&b, " | watchdog: %s | writes acked %d unknown %d failed %d",
		l.Watchdog, l.Writes.Acknowledged, l.Writes.Unknown, l.Writes.Failed)
	return b.String()
}

// live sends a LiveStatus every second until ctx ends.
func (r *Runner) live(ctx context.Context, s *Scenario, rec *recording) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := LiveStatus{Scenario: s.Name, Elapsed: time.Since(rec.start), Probes: map[string]bool{}}
		for _, tl := range rec.prober.Timelines() {
			if n := len(tl.Probes); n > 0 {
				st.Probes[tl.Target] = tl.Probes[n-1].OK
			}
		}
		if samples := rec.obs.Samples(); len(samples) > 0 {
			st.Watchdog = summary(samples[len(samples)-1])
		}
		if rec.ledger != nil {
			st.Writes = rec.ledger.Counts()
		}
		r.Live(st)
	}
}

// summary renders a sample as "pgapi running/healthy, ...".
func summary(s Sample) string {
	if s.Err != "" {
		return "unreachable"
	}
	parts := make([]string, 0, len(s.St.Services))
	for _, ss := range s.St.Services {
		parts = append(parts, fmt.Sprintf("%s %s/%s", ss.Name, ss.State, ss.Health))
	}
	return strings.Join(parts, ", ")
}
