package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// DefaultRevertTimeout bounds each revert a Journal runs unless
// WithRevertTimeout says otherwise.
const DefaultRevertTimeout = 30 * time.Second

// Record is one Journal entry: which fault hit what, when it took effect and
// when it was taken out again.
type Record struct {
	// Fault is the fault's Name.
	Fault string `json:"fault"`
	// Target is what the fault hit (Targeter), or "".
	Target string `json:"target,omitempty"`
	// Injected is when Inject returned: the fault was in effect from then.
	// Zero when Inject failed before doing anything.
	Injected time.Time `json:"injected"`
	// Reverted is when the revert returned without error; zero while the
	// fault is active or when its revert failed.
	Reverted time.Time `json:"reverted"`
	// Err is the inject or revert error, or "".
	Err string `json:"err,omitempty"`
}

// Journal injects faults, records each in a Record and guarantees their
// reverts: every revert runs under a fresh context (the caller's values, not
// its cancellation) bounded by the revert timeout, so a failed or cancelled
// scenario still leaves the system as it found it. A failed revert is
// returned as an error; the run that caused it must fail. A Journal is safe
// for concurrent use and starts no goroutines.
type Journal struct {
	now           func() time.Time
	revertTimeout time.Duration
	log           *slog.Logger

	mu      sync.Mutex
	records []Record
	active  map[int]Revert // record index -> revert not yet run successfully
}

// JournalOption sets an optional knob of NewJournal.
type JournalOption func(*Journal)

// WithClock makes the Journal read time from now (tests, fake clocks).
func WithClock(now func() time.Time) JournalOption { return func(j *Journal) { j.now = now } }

// WithRevertTimeout bounds each revert to d instead of DefaultRevertTimeout.
func WithRevertTimeout(d time.Duration) JournalOption {
	return func(j *Journal) { j.revertTimeout = d }
}

// NewJournal returns an empty Journal logging to log (nil: no logs).
func NewJournal(log *slog.Logger, opts ...JournalOption) *Journal {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	j := &Journal{now: time.Now, revertTimeout: DefaultRevertTimeout, log: log, active: map[int]Revert{}}
	for _, o := range opts {
		o(j)
	}
	return j
}

// Inject applies f and records it. The returned Revert (never nil) reverts
// f under a fresh bounded context, records the outcome and is safe to call
// more than once; RevertAll runs it too if the caller never does.
func (j *Journal) Inject(ctx context.Context, f Fault) (Revert, error) {
	rec := Record{Fault: f.Name(), Target: targetOf(f)}
	log := j.log.With("fault", rec.Fault, "target", rec.Target)
	revert, err := f.Inject(ctx)
	if err == nil {
		rec.Injected = j.now()
	} else {
		rec.Err = "inject: " + err.Error()
		err = fmt.Errorf("inject %s: %w", rec.Fault, err)
	}
	j.mu.Lock()
	idx := len(j.records)
	j.records = append(j.records, rec)
	if revert != nil {
		j.active[idx] = once(revert)
	}
	j.mu.Unlock()
	if err != nil {
		log.Warn("fault inject failed", "err", err)
		if revert != nil {
			// Inject did part of its work: undo that part now.
			err = errors.Join(err, j.revert(ctx, idx))
		}
		return NoRevert, err
	}
	log.Info("fault injected")
	return func(ctx context.Context) error { return j.revert(ctx, idx) }, nil
}

// revert runs the revert of record idx, if still active, and records it.
func (j *Journal) revert(ctx context.Context, idx int) error {
	j.mu.Lock()
	r, ok := j.active[idx]
	rec := j.records[idx]
	j.mu.Unlock()
	if !ok {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.revertTimeout)
	defer cancel()
	err := r.Run(rctx)
	log := j.log.With("fault", rec.Fault, "target", rec.Target)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		msg := "revert: " + err.Error()
		if j.records[idx].Err != "" {
			msg = j.records[idx].Err + "; " + msg
		}
		j.records[idx].Err = msg
		log.Error("fault revert failed: the system may still be faulted", "err", err)
		return fmt.Errorf("revert %s (target %q): %w", rec.Fault, rec.Target, err)
	}
	if _, still := j.active[idx]; !still {
		return nil // a concurrent call recorded it first
	}
	delete(j.active, idx)
	j.records[idx].Reverted = j.now()
	log.Info("fault reverted")
	return nil
}

// RevertAll reverts every fault still active, newest first, each under a
// fresh context bounded by the revert timeout, and returns every failure
// joined. Defer it right after creating the Journal.
func (j *Journal) RevertAll(ctx context.Context) error {
	j.mu.Lock()
	var idxs []int
	for i := len(j.records) - 1; i >= 0; i-- {
		if _, ok := j.active[i]; ok {
			idxs = append(idxs, i)
		}
	}
	j.mu.Unlock()
	var errs []error
	for _, i := range idxs {
		errs = append(errs, j.revert(ctx, i))
	}
	return errors.Join(errs...)
}

// Records returns a copy of the journal, in injection order.
func (j *Journal) Records() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Record(nil), j.records...)
}

// Run injects f, runs body while the fault is in effect and then reverts f,
// whatever body returned, even when ctx was cancelled or body panicked. It
// returns the inject or body error joined with the revert error.
func (j *Journal) Run(ctx context.Context, f Fault, body func(ctx context.Context) error) (err error) {
	revert, err := j.Inject(ctx, f)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, revert(ctx)) }()
	return body(ctx)
}

// Hold returns a Run body that keeps the fault in effect for d, or returns
// ctx's error if ctx ends first.
func Hold(d time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
