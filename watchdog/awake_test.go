package watchdog

import (
	"testing"
	"time"
)

// TestAwakeExitTime pins the rule that dates an exit seen after a stall of
// the watchdog (issue 10 item 15) to the stall's start, and only then.
func TestAwakeExitTime(t *testing.T) {
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, tc := range []struct {
		name  string
		ticks []time.Duration // after the first, at t0
		seen  time.Duration
		want  time.Duration
	}{
		{"no stall", []time.Duration{time.Second, 2 * time.Second}, 2500 * time.Millisecond, 2500 * time.Millisecond},
		{"seen during a stall, before any tick", []time.Duration{time.Second}, 9 * time.Second, time.Second},
		{"seen just after a stall was ticked", []time.Duration{time.Second, 9 * time.Second}, 9100 * time.Millisecond, time.Second},
		{"seen long after a stall", []time.Duration{time.Second, 9 * time.Second, 10 * time.Second, 11 * time.Second}, 11500 * time.Millisecond, 11500 * time.Millisecond},
		{"gap under two periods is no stall", []time.Duration{time.Second, 2900 * time.Millisecond}, 3 * time.Second, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &awake{period: time.Second, last: t0}
			for _, d := range tc.ticks {
				a.tick(at(d))
			}
			if got := a.exitTime(at(tc.seen)); !got.Equal(at(tc.want)) {
				t.Errorf("exitTime(t0+%v) = t0+%v, want t0+%v", tc.seen, got.Sub(t0), tc.want)
			}
		})
	}
}
