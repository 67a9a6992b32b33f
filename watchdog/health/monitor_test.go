package health

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

// wait bounds every wait in these tests.
const wait = 5 * time.Second

// outcome is what a fedChecker run returns.
type outcome struct {
	detail string
	err    error
}

var errDown = errors.New("down")

// fedChecker's runs block until the test feeds them an outcome (or ctx ends).
// Each run signals started when it begins.
type fedChecker struct {
	in      chan outcome
	started chan struct{}
}

func (f fedChecker) Check(ctx context.Context) (string, error) {
	select {
	case f.started <- struct{}{}:
	default:
	}
	select {
	case o := <-f.in:
		return o.detail, o.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// fakeClock is advanced by the test; the Monitor reads it for start periods.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness runs a Monitor over a fedChecker and records its callbacks.
type harness struct {
	m       *Monitor
	chk     fedChecker
	clock   *fakeClock
	runs    chan Result
	changes chan Result
	stop    func()
}

func startMonitor(t *testing.T, c config.Check, opts ...Option) *harness {
	t.Helper()
	h := &harness{
		chk:     fedChecker{in: make(chan outcome), started: make(chan struct{}, 100)},
		clock:   &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		runs:    make(chan Result, 100),
		changes: make(chan Result, 100),
	}
	if c.Interval == 0 {
		c.Interval = time.Millisecond
	}
	if c.Timeout == 0 {
		c.Timeout = time.Hour // runs end when fed
	}
	opts = append([]Option{WithClock(h.clock.Now), WithOnRun(func(r Result) { h.runs <- r })}, opts...)
	h.m = NewMonitor("svc", c.Defaulted(), h.chk, func(r Result) { h.changes <- r }, opts...)
	h.stop = runMonitor(t, h.m)
	return h
}

// runMonitor runs m until the returned stop is called (or the test ends) and
// fails the test if Run does not return promptly after cancellation.
func runMonitor(t *testing.T, m *Monitor) (stop func()) {
	t.Helper()
	return runtest.Start(t, m.Run, wait)
}

// feed makes the next run return o and returns the Result it produced.
func (h *harness) feed(t *testing.T, o outcome) Result {
	t.Helper()
	select {
	case h.chk.in <- o:
	case <-time.After(wait):
		t.Fatalf("no run started within %s", wait)
	}
	select {
	case r := <-h.runs:
		return r
	case <-time.After(wait):
		t.Fatalf("run not recorded within %s", wait)
	}
	return Result{}
}

// drainChanges returns the onChange calls made so far.
func (h *harness) drainChanges() []bool {
	var got []bool
	for {
		select {
		case r := <-h.changes:
			got = append(got, r.Passing)
		default:
			return got
		}
	}
}

func TestMonitorThresholds(t *testing.T) {
	type step struct {
		fail    bool
		advance time.Duration // fake time passing before the run ends
		decided bool
		passing bool
	}
	ok := func(decided, passing bool) step { return step{decided: decided, passing: passing} }
	fail := func(decided, passing bool) step { return step{fail: true, decided: decided, passing: passing} }
	tests := []struct {
		name        string
		cfg         config.Check
		steps       []step
		wantChanges []bool
	}{
		{
			name: "failures 3 successes 2",
			cfg:  config.Check{Failures: 3, Successes: 2},
			steps: []step{ok(false, false), ok(true, true), fail(true, true), fail(true, true), fail(true, false),
				ok(true, false), ok(true, true)},
			wantChanges: []bool{true, false, true},
		},
		{
			name:        "zero values get defaults (failures 3, successes 1)",
			steps:       []step{fail(false, false), fail(false, false), fail(true, false), ok(true, true)},
			wantChanges: []bool{false, true},
		},
		{
			name:        "a pass resets the failure count",
			cfg:         config.Check{Failures: 2},
			steps:       []step{ok(true, true), fail(true, true), ok(true, true), fail(true, true), fail(true, false)},
			wantChanges: []bool{true, false},
		},
		{
			name: "failures in start period are ignored",
			cfg:  config.Check{Failures: 1, StartPeriod: 10 * time.Second},
			steps: []step{fail(false, false), {fail: true, advance: 5 * time.Second},
				{fail: true, advance: 6 * time.Second, decided: true}},
			wantChanges: []bool{false},
		},
		{
			name:        "a pass ends the start period early",
			cfg:         config.Check{Failures: 1, StartPeriod: time.Hour},
			steps:       []step{ok(true, true), fail(true, false)},
			wantChanges: []bool{true, false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startMonitor(t, tc.cfg)
			for i, st := range tc.steps {
				o := outcome{detail: "fine"}
				if st.fail {
					o = outcome{err: errDown}
				}
				h.clock.Add(st.advance)
				r := h.feed(t, o)
				if r.Decided != st.decided || r.Passing != st.passing || r.OK == st.fail {
					t.Fatalf("run %d (fail=%v): Decided %v Passing %v OK %v, want %v %v %v (%+v)",
						i, st.fail, r.Decided, r.Passing, r.OK, st.decided, st.passing, !st.fail, r)
				}
			}
			h.stop()
			if got := h.drainChanges(); !equalBools(got, tc.wantChanges) {
				t.Errorf("onChange Passing sequence = %v, want %v", got, tc.wantChanges)
			}
		})
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMonitorResultFields(t *testing.T) {
	critical := false
	h := startMonitor(t, config.Check{Name: "api", HTTP: &config.HTTPCheck{}, Critical: &critical, Failures: 1})
	r := h.feed(t, outcome{detail: "503 in 2ms", err: errors.New("status 503")})
	want := Result{Service: "svc", Check: "api", Kind: "http", Critical: false, OK: false, Detail: "503 in 2ms",
		Error: "status 503", ConsecutiveFailures: 1, Decided: true, Passing: false, LastRun: h.clock.Now()}
	r.Latency = 0
	if r != want {
		t.Errorf("Result = %+v\nwant %+v", r, want)
	}
	if s := h.m.Snapshot(); s.Error != "status 503" || s.Passing {
		t.Errorf("Snapshot() = %+v, want the last result", s)
	}
}

// TestMonitorResetDiscardsRunInFlight pins that a run started before the
// service restarted cannot count against the new process.
func TestMonitorResetDiscardsRunInFlight(t *testing.T) {
	h := startMonitor(t, config.Check{Failures: 1, StartPeriod: time.Hour})
	h.feed(t, outcome{detail: "up"})
	if r := h.feed(t, outcome{err: errDown}); !r.Decided || r.Passing {
		t.Fatalf("after pass then fail: %+v, want decided failing", r)
	}
	// Wait for the third run to be in flight, then Reset and let it fail.
	for i := 0; i < 3; i++ {
		select {
		case <-h.chk.started:
		case <-time.After(wait):
			t.Fatalf("run %d did not start", i+1)
		}
	}
	h.m.Reset()
	if s := h.m.Snapshot(); s.Decided || s.ConsecutiveFailures != 0 || !s.LastRun.IsZero() {
		t.Fatalf("Snapshot() after Reset = %+v, want a fresh result", s)
	}
	select {
	case h.chk.in <- outcome{detail: "stale", err: errDown}:
	case <-time.After(wait):
		t.Fatal("the run in flight did not take its outcome")
	}
	r := h.feed(t, outcome{detail: "after-reset", err: errDown})
	if r.Detail != "after-reset" {
		t.Fatalf("first recorded run after Reset has detail %q, want after-reset (the stale run must be dropped)", r.Detail)
	}
	if r.Decided || r.ConsecutiveFailures != 0 {
		t.Fatalf("failure in the new start period counted: %+v", r)
	}
	h.stop()
	if got := h.drainChanges(); !equalBools(got, []bool{true, false}) {
		t.Errorf("onChange sequence = %v, want [true false]", got)
	}
}

// slowChecker takes a fixed time per run and records the peak concurrency.
type slowChecker struct {
	took         time.Duration
	active, peak atomic.Int32
}

func (s *slowChecker) Check(ctx context.Context) (string, error) {
	n := s.active.Add(1)
	defer s.active.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	t := time.NewTimer(s.took)
	defer t.Stop()
	select {
	case <-t.C:
		return "slow ok", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func TestMonitorOneRunInFlight(t *testing.T) {
	chk := &slowChecker{took: 15 * time.Millisecond}
	runs := make(chan Result, 100)
	m := NewMonitor("svc", config.Check{Interval: time.Millisecond, Timeout: time.Second}.Defaulted(), chk, nil,
		WithOnRun(func(r Result) { runs <- r }))
	stop := runMonitor(t, m)
	for i := 0; i < 8; i++ {
		select {
		case r := <-runs:
			if !r.OK {
				t.Fatalf("run %d failed: %+v", i, r)
			}
		case <-time.After(wait):
			t.Fatalf("run %d not recorded within %s", i, wait)
		}
	}
	stop()
	if p := chk.peak.Load(); p != 1 {
		t.Errorf("peak concurrent runs = %d with interval 1ms and 15ms runs, want 1", p)
	}
}

func TestMonitorRunBoundedByTimeout(t *testing.T) {
	h := startMonitor(t, config.Check{Timeout: 30 * time.Millisecond, Failures: 1})
	select {
	case r := <-h.runs:
		if r.OK || !strings.Contains(r.Error, "deadline exceeded") || !r.Decided || r.Passing {
			t.Fatalf("unfed run = %+v, want a timeout failure", r)
		}
	case <-time.After(wait):
		t.Fatalf("no result within %s for a run with timeout 30ms", wait)
	}
}

// stuckChecker ignores cancellation until released.
type stuckChecker struct {
	started chan struct{}
	release chan struct{}
}

func (s stuckChecker) Check(context.Context) (string, error) {
	s.started <- struct{}{}
	<-s.release
	return "late", nil
}

func TestMonitorCheckerIgnoringCancellation(t *testing.T) {
	chk := stuckChecker{started: make(chan struct{}, 10), release: make(chan struct{})}
	runs := make(chan Result, 10)
	m := NewMonitor("svc", config.Check{Interval: time.Millisecond, Timeout: 10 * time.Millisecond, Failures: 1}.Defaulted(), chk, nil,
		WithOnRun(func(r Result) { runs <- r }))
	m.grace = 20 * time.Millisecond
	stop := runMonitor(t, m)
	select {
	case r := <-runs:
		if r.OK || !strings.Contains(r.Error, "did not return within its timeout") {
			t.Fatalf("overdue run = %+v, want failure naming the timeout", r)
		}
	case <-time.After(wait):
		t.Fatal("overdue run not recorded")
	}
	select {
	case <-chk.started:
	default:
		t.Fatal("first run never started")
	}
	select {
	case <-chk.started:
		t.Fatal("a second run started while the first was still in flight")
	default:
	}
	close(chk.release) // the late result is dropped; runs resume
	select {
	case <-chk.started:
	case <-time.After(wait):
		t.Fatal("no run after the stuck one returned")
	}
	stop()
}

func TestMonitorStopsCleanly(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startMonitor(t, config.Check{})
	// A run is in flight (never fed); cancel must end it and Run.
	h.stop()
}

func TestMonitorMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	met, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := NewMetrics(reg); err != nil || again.up != met.up {
		t.Fatalf("NewMetrics twice on one registry = %v, want the same collectors", err)
	}
	h := startMonitor(t, config.Check{Name: "api", TCP: &config.TCPCheck{}}, WithMetrics(met))
	h.feed(t, outcome{detail: "ok"})
	h.feed(t, outcome{err: errDown})
	h.stop()
	got := reg.Samples()
	want := map[string]float64{
		`vigil_check_up{check="api",kind="tcp",service="svc"}`:                       1, // one failure is below failures=3
		`vigil_check_result{check="api",kind="tcp",service="svc"}`:                   0,
		`vigil_check_duration_seconds_count{check="api",kind="tcp",service="svc"}`:   2,
		`vigil_check_runs_total{check="api",kind="tcp",result="fail",service="svc"}`: 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	met.Delete("svc", "api", "tcp")
	if got := reg.Samples(); len(got) != 0 {
		t.Errorf("after Delete: %v, want no series", got)
	}
}
