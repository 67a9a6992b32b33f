package chaos

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const timedScenario = `
name: fake-freeze
seed: 3
load: {duration: 600ms}
steady_state: {within: 5s}
faults:
  - {name: freeze, kind: process, action: freeze, target: pgapi, at: 100ms, duration: 200ms}
expect:
  not_restarted: [pgapi]
`

func newRunner(tg *Target) *Runner {
	return &Runner{Target: tg, Journal: NewJournal(nil, nil), RunID: "t"}
}

func TestRunRevertsTimedFault(t *testing.T) {
	f := &fakeFault{name: "freeze"}
	r := newRunner(fakeTarget(t, oneFault{f}))
	res, err := r.Run(t.Context(), scenario(t, timedScenario))
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if inj, rev, live := f.counts(); inj != 1 || rev != 1 || !live {
		t.Errorf("fault injected %d, reverted %d (live ctx %v), want 1, 1, true", inj, rev, live)
	}
	if len(res.Input.Faults) != 1 {
		t.Fatalf("Run windows = %d, want 1", len(res.Input.Faults))
	}
	w := res.Input.Faults[0]
	if got := w.Reverted.Sub(w.Injected); got < 150*time.Millisecond {
		t.Errorf("fault lasted %v, want about 200ms", got)
	}
	if len(res.Deviations) != 0 {
		t.Errorf("Run deviations = %v, want none", res.Deviations)
	}
	if len(res.Input.Timelines) != 3 || len(res.Input.Timelines[0].Probes) == 0 {
		t.Errorf("Run timelines = %d targets, want 3 with probes", len(res.Input.Timelines))
	}
}

// TestRunRevertsOnInterrupt: a scenario cancelled while a fault is in
// effect still reverts it, with a live context, and says it was interrupted.
func TestRunRevertsOnInterrupt(t *testing.T) {
	injected := make(chan struct{})
	f := &fakeFault{name: "freeze", block: injected}
	r := newRunner(fakeTarget(t, oneFault{f}))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-injected
		cancel()
	}()
	_, err := r.Run(ctx, scenario(t, strings.NewReplacer("duration: 200ms", "duration: 5m", "{duration: 600ms}", "{duration: 6m}").Replace(timedScenario)))
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Run(cancelled) = %v, want an interrupted error", err)
	}
	if inj, rev, live := f.counts(); inj != 1 || rev != 1 || !live {
		t.Errorf("fault injected %d, reverted %d (live ctx %v), want 1, 1, true", inj, rev, live)
	}
}

// TestRunFailsOnFailedRevert: a revert that fails fails the run.
func TestRunFailsOnFailedRevert(t *testing.T) {
	f := &fakeFault{name: "freeze", revertErr: errors.New("toxiproxy gone")}
	r := newRunner(fakeTarget(t, oneFault{f}))
	_, err := r.Run(t.Context(), scenario(t, timedScenario))
	if err == nil || !strings.Contains(err.Error(), "toxiproxy gone") {
		t.Fatalf("Run(failing revert) = %v, want the revert error", err)
	}
	// The method's revert failed; RevertAll retried it once more.
	if _, rev, _ := f.counts(); rev < 1 {
		t.Errorf("revert ran %d times, want at least 1", rev)
	}
}

func TestRunInjectFailureNamesFault(t *testing.T) {
	f := &fakeFault{name: "freeze", injectErr: errors.New("no such process")}
	r := newRunner(fakeTarget(t, oneFault{f}))
	_, err := r.Run(t.Context(), scenario(t, timedScenario))
	if err == nil || !strings.Contains(err.Error(), "fault freeze") || !strings.Contains(err.Error(), "no such process") {
		t.Fatalf("Run(inject fails) = %v, want an error naming the fault and cause", err)
	}
}

func TestRunSteadyStateMustHoldBefore(t *testing.T) {
	f := &fakeFault{name: "freeze"}
	tg := fakeTarget(t, oneFault{f})
	tg.URLs["pgapi"] = "http://127.0.0.1:1" // nothing listens
	r := newRunner(tg)
	s := scenario(t, strings.Replace(timedScenario, "within: 5s", "within: 300ms", 1))
	_, err := r.Run(t.Context(), s)
	if err == nil || !strings.Contains(err.Error(), "steady state did not hold before") {
		t.Fatalf("Run(down service) = %v, want a steady-state error", err)
	}
	if inj, _, _ := f.counts(); inj != 0 {
		t.Errorf("fault injected %d times with no steady state, want 0", inj)
	}
}

func TestRunExpectationFails(t *testing.T) {
	f := &fakeFault{name: "freeze"}
	r := newRunner(fakeTarget(t, oneFault{f}))
	s := scenario(t, strings.Replace(timedScenario, "not_restarted: [pgapi]", "restarted: [pgapi]", 1))
	res, err := r.Run(t.Context(), s)
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if len(res.Deviations) != 1 || !strings.Contains(res.Deviations[0], "pgapi restarted") {
		t.Errorf("Run deviations = %q, want the failed restarted expectation", res.Deviations)
	}
}

// TestGamedayConfirm drives the prompter through a pipe: skip, then yes.
func TestGamedayConfirm(t *testing.T) {
	f := &fakeFault{name: "freeze"}
	r := newRunner(fakeTarget(t, oneFault{f}))
	pr, pw := io.Pipe()
	p := NewPrompter(pr, io.Discard)
	done := make(chan error, 1)
	go func() { done <- p.Run(t.Context()) }()
	r.Confirm = p.Confirm
	s := scenario(t, timedScenario)

	go func() { _, _ = io.WriteString(pw, "maybe\nskip\n") }()
	res, err := r.Run(t.Context(), s)
	if err != nil {
		t.Fatalf("Run(skip) = %v", err)
	}
	if inj, _, _ := f.counts(); inj != 0 || len(res.Deviations) != 1 || !strings.Contains(res.Deviations[0], "skipped by the operator") {
		t.Errorf("Run(skip): injected %d, deviations %q; want 0 and a skip deviation", inj, res.Deviations)
	}

	go func() { _, _ = io.WriteString(pw, "y\n") }()
	if _, err := r.Run(t.Context(), s); err != nil {
		t.Fatalf("Run(yes) = %v", err)
	}
	if inj, rev, _ := f.counts(); inj != 1 || rev != 1 {
		t.Errorf("Run(yes): injected %d, reverted %d; want 1, 1", inj, rev)
	}

	pw.Close() // EOF: no answer aborts, never injects by default
	if _, err := r.Run(t.Context(), s); !errors.Is(err, ErrAborted) {
		t.Errorf("Run(EOF) = %v, want ErrAborted", err)
	}
	if inj, _, _ := f.counts(); inj != 1 {
		t.Errorf("Run(EOF) injected again (%d), want no injection", inj)
	}
	if err := <-done; err != nil {
		t.Errorf("Prompter.Run = %v", err)
	}
}
