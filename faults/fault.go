// Package faults holds the fault injectors of Vigil's chaos suite: signals
// to a service's process, Docker container actions, Toxiproxy link toxics,
// port occupation and connection floods, Postgres backend termination and
// crashes. Killing the watchdog itself is a Process fault whose finder
// returns the watchdog's pid.
//
// Every injector implements Fault. Inject puts the fault in place and
// returns the Revert that takes it out again; a Journal records when each
// fault was injected and reverted and guarantees that every revert runs,
// even when the scenario fails or its context is cancelled.
//
// faults never imports the watchdog: whatever it needs from the system under
// test (a service's pid, a way to stop it) comes in as a func or a small
// interface that scenarios/ wires up.
package faults

import (
	"context"
	"sync"
)

// Fault is one injectable failure. Inject puts it in place and returns the
// Revert that removes it; on error it leaves nothing in place (or returns a
// non-nil Revert for the part it did, which the Journal still runs).
type Fault interface {
	// Name is the fault's kind (and parameters), e.g. "process-freeze"
	// or "link-latency-downstream"; the target is Targeter's.
	Name() string
	// Inject applies the fault. It returns once the fault is in effect.
	Inject(ctx context.Context) (Revert, error)
}

// Targeter is the optional ability of a Fault to name what it hits (a
// service, container, proxy or address); the Journal records it.
type Targeter interface {
	Target() string
}

// Revert takes an injected fault out again. A nil Revert is valid and does
// nothing; call it through Run to get that nil check.
type Revert func(ctx context.Context) error

// Run calls r, treating a nil Revert as nothing to do.
func (r Revert) Run(ctx context.Context) error {
	if r == nil {
		return nil
	}
	return r(ctx)
}

// NoRevert is the Revert of a fault that leaves nothing to undo (a SIGKILL,
// a terminated backend): recovery is the system's job, not the fault's.
func NoRevert(context.Context) error { return nil }

// once wraps r so that it runs until it first succeeds; calls after a
// success do nothing. Faults return once-wrapped reverts so a second revert
// (a scenario's own cleanup after the Journal's) is harmless, while a revert
// that failed (say, on a timeout) may be retried.
func once(r Revert) Revert {
	var (
		mu   sync.Mutex
		done bool
	)
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return nil
		}
		err := r.Run(ctx)
		done = err == nil
		return err
	}
}

// targetOf returns f's target, or "" when it does not name one.
func targetOf(f Fault) string {
	if t, ok := f.(Targeter); ok {
		return t.Target()
	}
	return ""
}
