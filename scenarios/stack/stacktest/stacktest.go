// Package stacktest starts the container stack for tests (Require),
// decides what a missing prerequisite does to a test: fail under CI=true,
// skip loudly elsewhere (MissingPrerequisite), and checks a package that
// starts the stack for leaks (VerifyTestMain). Package stack itself does
// not import testing.
package stacktest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/scenarios/stack"
)

// requireTimeout bounds Up and Down inside Require.
const requireTimeout = 5 * time.Minute

// Require starts a stack for a test and registers Down with tb.Cleanup. A
// missing Docker engine or image fails the test when CI=true and skips it,
// loudly, elsewhere. Progress is logged to the test's log unless
// opts.Logger is set.
func Require(tb testing.TB, opts stack.Options) *stack.Stack {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
	}
	ctx, cancel := context.WithTimeout(tb.Context(), requireTimeout)
	defer cancel()
	s, err := stack.Up(ctx, opts)
	if err != nil {
		if errors.Is(err, stack.ErrNoDocker) || errors.Is(err, stack.ErrNoImage) {
			MissingPrerequisite(tb, err)
		}
		tb.Fatalf("stack.Up: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), requireTimeout)
		defer cancel()
		if err := s.Down(ctx); err != nil {
			tb.Errorf("stack.Down: %v", err)
		}
	})
	return s
}

// MissingPrerequisite fails tb under CI=true and skips it loudly otherwise.
func MissingPrerequisite(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and a prerequisite is missing: %v", err)
	}
	tb.Skipf("SKIPPING (prerequisite missing; with CI=true this fails): %v", err)
}

// VerifyTestMain is goleak.VerifyTestMain for a package whose tests start
// the stack. It ignores the idle keep-alive connections that library HTTP
// clients we cannot close keep (testcontainers' HTTP wait strategy, the
// toxiproxy client): they are not goroutines the package starts.
func VerifyTestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	)
}

// tbWriter turns log lines into tb.Log lines.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
