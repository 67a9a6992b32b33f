package watchdog

import (
	"context"
	"sync"
	"time"
)

// awake tells when the watchdog itself was not running — stopped by
// SIGSTOP, frozen with its cgroup, or starved — so that a child's exit
// observed only when it runs again is not dated to that moment.
//
// Linux records no exit time for a process: wait(2), its rusage and a
// pidfd say only that it has exited, and every clock (monotonic, boottime)
// keeps running while the watchdog is stopped. What the watchdog can know is
// when it last ran: a ticker every period, whose gaps longer than two
// periods are stalls. An exit observed during a stall, or within one period
// after it, happened at some time since the stall began; uptime is measured
// to that earliest time, so a stop of the watchdog never lengthens a
// measured uptime (and never resets a crash loop's backoff). Stalls shorter
// than two periods go unnoticed: an uptime is then at most 2×period long.
type awake struct {
	period time.Duration

	mu                 sync.Mutex
	last               time.Time // last tick, with its monotonic reading
	stallFrom, stallTo time.Time // the latest stall
}

func newAwake(period time.Duration) *awake { return &awake{period: period, last: time.Now()} }

// run ticks until ctx ends.
func (a *awake) run(ctx context.Context) {
	t := time.NewTicker(a.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.tick(time.Now()) // not the tick's own time: that is when it was due
		}
	}
}

func (a *awake) tick(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.last) > 2*a.period {
		a.stallFrom, a.stallTo = a.last, now
	}
	a.last = now
}

// exitTime returns the earliest time an exit observed at seen may have
// happened: seen itself unless the watchdog was stalled just before.
func (a *awake) exitTime(seen time.Time) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case seen.Sub(a.last) > 2*a.period: // stalled until now, not ticked since
		return a.last
	case !a.stallTo.IsZero() && !seen.Before(a.stallFrom) && seen.Sub(a.stallTo) < a.period:
		return a.stallFrom
	}
	return seen
}
