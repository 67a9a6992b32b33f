package faults

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// stubFault is a hand-written Fault for the Journal's own contract: the
// Journal's edge is the Fault interface.
type stubFault struct {
	name, target string
	injectErr    error
	revertErr    error
	partial      bool // on injectErr, still return a Revert

	mu       sync.Mutex
	reverts  int
	revertCx []error // ctx.Err() seen by each revert
	order    *[]string
}

func (s *stubFault) Name() string   { return s.name }
func (s *stubFault) Target() string { return s.target }
func (s *stubFault) Inject(ctx context.Context) (Revert, error) {
	r := func(ctx context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reverts++
		s.revertCx = append(s.revertCx, ctx.Err())
		if s.order != nil {
			*s.order = append(*s.order, s.name)
		}
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("revert ran without a deadline")
		}
		return s.revertErr
	}
	if s.injectErr != nil {
		if s.partial {
			return r, s.injectErr
		}
		return nil, s.injectErr
	}
	return r, nil
}

func (s *stubFault) revertCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reverts
}

// fakeClock ticks one second per reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func TestJournalRecordsInjectAndRevert(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	j := NewJournal(nil, WithClock(clock.Now))
	f := &stubFault{name: "stub", target: "svc"}
	revert, err := j.Inject(context.Background(), f)
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	recs := j.Records()
	if len(recs) != 1 || recs[0].Fault != "stub" || recs[0].Target != "svc" || recs[0].Injected.IsZero() || !recs[0].Reverted.IsZero() {
		t.Fatalf("Records() after inject = %+v, want one active stub on svc", recs)
	}
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	if err := revert(context.Background()); err != nil {
		t.Fatalf("second revert() = %v", err)
	}
	if err := j.RevertAll(context.Background()); err != nil {
		t.Fatalf("RevertAll() = %v", err)
	}
	recs = j.Records()
	if got := f.revertCount(); got != 1 {
		t.Errorf("fault reverted %d times, want 1", got)
	}
	if !recs[0].Reverted.After(recs[0].Injected) || recs[0].Err != "" {
		t.Errorf("Records() after revert = %+v, want Reverted after Injected, no error", recs[0])
	}
}

func TestJournalRevertsAfterContextCancel(t *testing.T) {
	j := NewJournal(nil, WithRevertTimeout(5*time.Second))
	f := &stubFault{name: "stub"}
	ctx, cancel := context.WithCancel(context.Background())
	err := j.Run(ctx, f, func(ctx context.Context) error {
		cancel() // the scenario is interrupted while the fault is in effect
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() = %v, want the body's context.Canceled", err)
	}
	if f.revertCount() != 1 || f.revertCx[0] != nil {
		t.Fatalf("reverts = %d with ctx errors %v, want 1 under a live context", f.revertCount(), f.revertCx)
	}
	if r := j.Records()[0]; r.Reverted.IsZero() {
		t.Fatalf("record %+v not marked reverted", r)
	}
}

func TestJournalRunRevertsWhenBodyFailsOrPanics(t *testing.T) {
	j := NewJournal(nil)
	f := &stubFault{name: "stub"}
	bodyErr := errors.New("scenario failed")
	if err := j.Run(context.Background(), f, func(context.Context) error { return bodyErr }); !errors.Is(err, bodyErr) {
		t.Fatalf("Run() = %v, want %v", err, bodyErr)
	}
	g := &stubFault{name: "panicky"}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Run() swallowed the body's panic")
			}
		}()
		_ = j.Run(context.Background(), g, func(context.Context) error { panic("boom") })
	}()
	if f.revertCount() != 1 || g.revertCount() != 1 {
		t.Fatalf("reverts = %d, %d, want 1, 1", f.revertCount(), g.revertCount())
	}
}

func TestJournalFailedRevertIsAnError(t *testing.T) {
	j := NewJournal(nil)
	boom := errors.New("toxiproxy unreachable")
	f := &stubFault{name: "stub", target: "pg", revertErr: boom}
	err := j.Run(context.Background(), f, Hold(time.Millisecond))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "revert stub") {
		t.Fatalf("Run() = %v, want a revert error wrapping %v", err, boom)
	}
	r := j.Records()[0]
	if !r.Reverted.IsZero() || !strings.Contains(r.Err, "toxiproxy unreachable") {
		t.Fatalf("record = %+v, want not reverted and the revert error", r)
	}
	// Still active: RevertAll retries and still reports it.
	if err := j.RevertAll(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("RevertAll() = %v, want %v", err, boom)
	}
	f.mu.Lock()
	f.revertErr = nil
	f.mu.Unlock()
	if err := j.RevertAll(context.Background()); err != nil {
		t.Fatalf("RevertAll() after the cause is fixed = %v", err)
	}
	if r := j.Records()[0]; r.Reverted.IsZero() {
		t.Fatalf("record = %+v, want reverted on retry", r)
	}
}

func TestJournalInjectFailure(t *testing.T) {
	boom := errors.New("no such container")
	for _, tc := range []struct {
		name        string
		partial     bool
		wantReverts int
	}{
		{"nothing done", false, 0},
		{"partial undone at once", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := NewJournal(nil)
			f := &stubFault{name: "stub", injectErr: boom, partial: tc.partial}
			bodyRan := false
			err := j.Run(context.Background(), f, func(context.Context) error { bodyRan = true; return nil })
			if !errors.Is(err, boom) || bodyRan {
				t.Fatalf("Run() = %v (body ran: %v), want %v and no body", err, bodyRan, boom)
			}
			if got := f.revertCount(); got != tc.wantReverts {
				t.Fatalf("reverts = %d, want %d", got, tc.wantReverts)
			}
			r := j.Records()[0]
			if !r.Injected.IsZero() || !strings.HasPrefix(r.Err, "inject: ") {
				t.Fatalf("record = %+v, want no Injected time and an inject error", r)
			}
		})
	}
}

func TestJournalRevertAllNewestFirst(t *testing.T) {
	j := NewJournal(nil)
	var order []string
	for _, n := range []string{"a", "b", "c"} {
		if _, err := j.Inject(context.Background(), &stubFault{name: n, order: &order}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // even a dead context gets every revert run
	if err := j.RevertAll(ctx); err != nil {
		t.Fatalf("RevertAll() = %v", err)
	}
	if got := strings.Join(order, ","); got != "c,b,a" {
		t.Fatalf("revert order = %s, want c,b,a", got)
	}
}

func TestJournalRevertTimeoutBoundsAHangingRevert(t *testing.T) {
	j := NewJournal(nil, WithRevertTimeout(50*time.Millisecond))
	hang := faultFunc{name: "hang", inject: func(context.Context) (Revert, error) {
		return func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, nil
	}}
	start := time.Now()
	err := j.Run(context.Background(), hang, Hold(0))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run() = %v, want the revert's deadline error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("hanging revert took %s, want it bounded", d)
	}
}

// TestJournalThawsFrozenProcessOnCancel is the Journal guarantee on a real
// process: a scenario cancelled mid-freeze leaves the process running.
func TestJournalThawsFrozenProcessOnCancel(t *testing.T) {
	c := startSleeper(t)
	j := NewJournal(nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := j.Run(ctx, FreezeProcess("svc", pidOf(c)), func(ctx context.Context) error {
		waitState(t, c.pid(), "T")
		cancel()
		return Hold(time.Minute)(ctx)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() = %v, want context.Canceled", err)
	}
	waitState(t, c.pid(), "S")
}

func TestHold(t *testing.T) {
	if err := Hold(time.Millisecond)(context.Background()); err != nil {
		t.Fatalf("Hold(1ms) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Hold(time.Hour)(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hold(1h) on a cancelled ctx = %v, want context.Canceled", err)
	}
}

// faultFunc is a Fault made of a func.
type faultFunc struct {
	name   string
	inject func(context.Context) (Revert, error)
}

func (f faultFunc) Name() string                               { return f.name }
func (f faultFunc) Inject(ctx context.Context) (Revert, error) { return f.inject(ctx) }
