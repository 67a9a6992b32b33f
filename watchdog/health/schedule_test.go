package health

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// TestSecondRunAtLeastIntervalAfterFirst pins the scheduler half of issue 10
// defect 7: the second run fell on the next aligned tick, however close.
func TestSecondRunAtLeastIntervalAfterFirst(t *testing.T) {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // a multiple of every interval below
	tests := []struct {
		name   string
		iv     time.Duration
		offset time.Duration // first run's start after an aligned tick
		want   time.Duration
	}{
		{"15ms before a tick (issue 10)", 200 * time.Millisecond, 185 * time.Millisecond, 215 * time.Millisecond},
		{"1µs before a tick", 200 * time.Millisecond, 200*time.Millisecond - time.Microsecond, 200*time.Millisecond + time.Microsecond},
		{"on a tick", 200 * time.Millisecond, 0, 200 * time.Millisecond},
		{"just after a tick", time.Second, time.Millisecond, 1999 * time.Millisecond},
		{"default interval", config.DefaultCheckInterval, 3 * time.Second, 17 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := secondRun(epoch.Add(tc.offset), tc.iv); got != tc.want {
				t.Errorf("secondRun(tick+%s, %s) = %s, want %s", tc.offset, tc.iv, got, tc.want)
			}
		})
	}
	iv := 300 * time.Millisecond
	for off := time.Duration(0); off < 2*iv; off += 7 * time.Millisecond {
		first := epoch.Add(off)
		d := secondRun(first, iv)
		if d < iv || d >= 2*iv || !first.Add(d).Truncate(iv).Equal(first.Add(d)) {
			t.Fatalf("secondRun(tick+%s, %s) = %s, want in [%s, %s) and on a tick", off, iv, d, iv, 2*iv)
		}
	}
}

// stampChecker fails every run and records when each began.
type stampChecker struct {
	mu     sync.Mutex
	starts []time.Time
	ran    chan struct{}
}

func (c *stampChecker) Check(context.Context) (string, error) {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	c.ran <- struct{}{}
	return "", errors.New("not listening yet")
}

// TestMonitorRunsAtLeastIntervalApart pins issue 10 defect 7 on a real
// Monitor: started 15 ms before an aligned tick, its second run came 15 ms
// after the first, so failures: 2 restarted a service still starting up.
func TestMonitorRunsAtLeastIntervalApart(t *testing.T) {
	const iv = 200 * time.Millisecond
	// Start the Monitor 15 ms before a tick of the wall clock.
	until := time.Until(time.Now().Truncate(iv).Add(iv - 15*time.Millisecond))
	if until < 0 {
		until += iv
	}
	<-time.After(until)
	chk := &stampChecker{ran: make(chan struct{}, 10)}
	m := NewMonitor("svc", config.Check{Interval: iv, Timeout: 100 * time.Millisecond, Failures: 2}.Defaulted(), chk, nil)
	stop := runMonitor(t, m)
	for i := 0; i < 4; i++ {
		select {
		case <-chk.ran:
		case <-time.After(wait):
			t.Fatalf("run %d not started within %s", i+1, wait)
		}
	}
	stop()
	// Timers fire late, never early; a run may begin a little after its
	// tick, so the next gap may be short by that much, never by iv/4.
	const slack = iv / 4
	for i := 1; i < len(chk.starts); i++ {
		if gap := chk.starts[i].Sub(chk.starts[i-1]); gap < iv-slack {
			t.Errorf("run %d began %s after run %d, want >= interval %s", i+1, gap, i, iv)
		}
	}
}
