package health

import (
	"context"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/proc/proctest"

	"github.com/vigilhq/vigil/watchdog/config"
)

func TestMain(m *testing.M) { proctest.VerifyTestMain(m) }

// runCheck builds c with New, runs it once bounded by c's timeout (default
// 1s) and closes it.
func runCheck(t *testing.T, c config.Check, deps Deps) (string, error) {
	t.Helper()
	c = c.Defaulted()
	chk, err := New(c, deps)
	if err != nil {
		t.Fatalf("New(%+v) = %v", c, err)
	}
	defer Close(chk)
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	return chk.Check(ctx)
}

// within fails t when f takes longer than max; timing bounds here are SLO-style
// ceilings (several times the expected value), not performance claims.
func within(t *testing.T, max time.Duration, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > max {
		t.Errorf("%s took %s, want <= %s", what, d, max)
	}
}
