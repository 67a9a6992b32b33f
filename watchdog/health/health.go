// Package health runs a service's liveness and readiness checks.
//
// New turns one config.Check into a Checker (one file per kind: http.go,
// tcp.go, exec.go, postgres.go, solana.go, process.go). A Monitor runs one
// Checker on its interval, applies start_period and the failures/successes
// thresholds, and reports the thresholded state. The supervisor decides what a
// failing check means: a failing liveness check restarts the service, a failing
// readiness check only changes its status.
package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Checker probes one thing once. Check returns a short human detail for status
// ("200 in 3ms", "slot 1234", "rss 12.3MiB fds 18") and a non-nil error when
// the probe failed; the error says what is wrong and, where it can, what to do.
// Check must return promptly once ctx is done.
//
// Checkers that hold resources (HTTP transports, RPC clients) also implement
// io.Closer; whoever called New closes them after the Monitor running them has
// returned (see Close).
type Checker interface {
	Check(ctx context.Context) (detail string, err error)
}

// GroupStats reports the resource use of a service's whole process group. The
// supervisor implements it; the process check reads it.
type GroupStats interface {
	Stats() (rssBytes int64, fds int, err error)
}

// Deps holds what some check kinds need from the supervisor.
type Deps struct {
	// Group is the service's process group, required by process checks.
	Group GroupStats
	// Env is the environment of exec checks (nil: the watchdog's own).
	Env []string
	// Dir is the working directory of exec checks ("" : the watchdog's own).
	Dir string
	// Redact scrubs secrets from exec checks' raw output before it is cut
	// to a line or quoted, which could hide a secret from a later scrub
	// (nil: none). Monitors scrub every result too (WithRedact).
	Redact func(string) string
}

// New builds the Checker for c, whose exactly one kind field must be set.
// c comes with its defaults applied (config.Load, or Check.Defaulted for one
// built in code): watchdog/config is their only source. The caller owns the
// returned Checker and must Close it when done.
func New(c config.Check, deps Deps) (Checker, error) {
	if n := kindsSet(c); n != 1 {
		return nil, fmt.Errorf("check %q at line %d sets %d kinds: set exactly one of http, tcp, exec, postgres, solana, process", c.Name, c.Line, n)
	}
	var (
		chk Checker
		err error
	)
	switch {
	case c.HTTP != nil:
		chk, err = newHTTP(*c.HTTP)
	case c.TCP != nil:
		chk, err = newTCP(*c.TCP)
	case c.Exec != nil:
		chk, err = newExec(*c.Exec, deps)
	case c.Postgres != nil:
		chk, err = newPostgres(*c.Postgres, c.Name)
	case c.Solana != nil:
		chk, err = newSolana(*c.Solana)
	case c.Process != nil:
		chk, err = newProcess(*c.Process, deps.Group)
	}
	if err != nil {
		return nil, fmt.Errorf("check %q (%s) at line %d: %w", c.Name, c.Kind(), c.Line, err)
	}
	return chk, nil
}

// Close closes chk if it holds resources (implements io.Closer).
func Close(chk Checker) error {
	if c, ok := chk.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func kindsSet(c config.Check) int {
	n := 0
	for _, set := range []bool{c.HTTP != nil, c.TCP != nil, c.Exec != nil, c.Postgres != nil, c.Solana != nil, c.Process != nil} {
		if set {
			n++
		}
	}
	return n
}

// errTimeout rewrites a deadline error into one that names the limit.
func errTimeout(ctx context.Context, what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return fmt.Errorf("%s: no answer before the check's timeout: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ms formats a latency for details: "3ms", "1.2s".
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// snippet trims b to a short single-line quote for error messages.
func snippet(b []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}
