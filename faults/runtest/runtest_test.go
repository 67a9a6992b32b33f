package runtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait in these tests that is meant to succeed.
const wait = 10 * time.Second

// fakeTB records what Start reports instead of failing the test. Its
// Fatalf returns where the real one ends the goroutine: Start does nothing
// after it, which the single report each case wants also checks.
type fakeTB struct {
	testing.TB // nil: any method Start should not call panics

	mu       sync.Mutex
	reports  []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.report("Errorf: " + fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.report("Fatalf: " + fmt.Sprintf(format, args...))
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) report(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append(f.reports, s)
}

// finish runs the cleanups as the end of a test does, last first.
func (f *fakeTB) finish() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

func TestStartReports(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		ret  error // what run returns after cancel
		// hang makes run ignore cancel until stop has given up on it.
		hang bool
		wait time.Duration
		want []string
	}{
		{name: "nil on cancel", wait: wait},
		{name: "error on cancel", ret: errBoom, wait: wait,
			want: []string{"Errorf: Run() = boom, want nil after cancel"}},
		{name: "does not return", hang: true, wait: 20 * time.Millisecond,
			want: []string{"Fatalf: Run did not return within 20ms of cancel"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			if !tc.hang {
				close(release)
			}
			returned := make(chan struct{})
			run := func(ctx context.Context) error {
				defer close(returned)
				<-ctx.Done()
				<-release
				return tc.ret
			}
			tb := &fakeTB{}
			stop := Start(tb, run, tc.wait)
			if len(tb.cleanups) != 1 {
				t.Fatalf("Start registered %d cleanups, want 1 (stop)", len(tb.cleanups))
			}
			stop()
			stop()      // a second stop reports nothing more
			tb.finish() // nor does the cleanup after stop
			if tc.hang {
				close(release)
			}
			select {
			case <-returned:
			case <-time.After(wait):
				t.Fatalf("run did not return within %s of release", wait)
			}
			if fmt.Sprint(tb.reports) != fmt.Sprint(tc.want) {
				t.Errorf("Start reported %q, want %q", tb.reports, tc.want)
			}
		})
	}
}

// TestStartStopsAtCleanup: a test that never calls stop still has run
// cancelled and waited for when it ends.
func TestStartStopsAtCleanup(t *testing.T) {
	returned := make(chan struct{})
	t.Run("uses Start", func(t *testing.T) {
		Start(t, func(ctx context.Context) error {
			defer close(returned)
			<-ctx.Done()
			return nil
		}, wait)
	})
	select {
	case <-returned:
	default:
		t.Fatal("run still running after the test that started it ended")
	}
}

// TestStopWaitsForRun: stop returns only once run has returned.
func TestStopWaitsForRun(t *testing.T) {
	returned := make(chan struct{})
	stop := Start(t, func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // a slow shutdown
		close(returned)
		return nil
	}, wait)
	stop()
	select {
	case <-returned:
	default:
		t.Fatal("stop returned before run did")
	}
}
