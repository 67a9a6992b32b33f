// Package runtest runs a component's Run(ctx) for a test and stops it:
// cancel, then a bounded wait for Run to return nil. It lives under faults
// so that faults' and slo's own tests may use it (neither imports
// watchdog); scenarios, watchdog and cmd tests use it as well.
package runtest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Start runs run in a goroutine of its own until the returned stop is
// called or tb's cleanup calls it, whichever comes first. stop cancels
// run's context and waits at most wait for run to return: it fails tb with
// Errorf if run returned an error and with Fatalf if run did not return in
// time (run's goroutine then ends whenever run does). Only the first call
// of stop stops; later ones return at once. Call stop from the test's
// goroutine, as Fatalf requires.
func Start(tb testing.TB, run func(context.Context) error, wait time.Duration) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		tb.Helper()
		first, returned := false, false
		var err error
		// Report outside once.Do: its frames would otherwise be the line
		// tb names, hiding the caller's.
		once.Do(func() {
			first = true
			cancel()
			select {
			case err = <-done:
				returned = true
			case <-time.After(wait):
			}
		})
		switch {
		case !first:
		case !returned:
			tb.Fatalf("Run did not return within %s of cancel", wait)
		case err != nil:
			tb.Errorf("Run() = %v, want nil after cancel", err)
		}
	}
	tb.Cleanup(stop)
	return stop
}
