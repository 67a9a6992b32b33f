package stack_test

import (
	"cmp"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"

	"github.com/vigilhq/vigil/scenarios/stack"
	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
)

// TestWholeStackHealthyThenGone is the reference-stack acceptance test: every
// service under the watchdog in the container is healthy within 60 s of Up,
// and Down leaves no container or network of the run.
func TestWholeStackHealthyThenGone(t *testing.T) {
	began := time.Now()
	s := stacktest.Require(t, stack.Options{StackImage: cmp.Or(os.Getenv(stack.EnvStackImage), "vigil/stack:latest")})
	c := api.NewTCPClient(strings.TrimPrefix(s.Endpoints.WatchdogAPI, "http://"), "")
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var st watchdog.Status
	for {
		var err error
		st, err = c.Status(ctx)
		if err == nil && st.Status == watchdog.HealthHealthy && len(st.Services) == 3 && allHealthy(st) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stack not healthy within 60s of Up: %+v (last error %v)", st, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("every service healthy %v after Up began (%v)", time.Since(began).Round(time.Millisecond), s.Timings)
	for _, svc := range st.Services {
		if len(svc.Checks) < 2 {
			t.Errorf("%s runs %d checks, want deep liveness and readiness", svc.Name, len(svc.Checks))
		}
	}
	if err := stack.Ping(ctx, s.Endpoints.PostgresDSN); err != nil {
		t.Errorf("Postgres through Toxiproxy: %v", err)
	}
	if err := stack.RPCHealth(ctx, s.Endpoints.SolanaRPC); err != nil {
		t.Errorf("Solana RPC through Toxiproxy: %v", err)
	}
	down, cancelDown := context.WithTimeout(context.Background(), time.Minute)
	defer cancelDown()
	if err := s.Down(down); err != nil {
		t.Fatal(err)
	}
	if left, err := stack.Leftovers(down, s.RunID); err != nil || len(left) != 0 {
		t.Fatalf("after Down: %v, %v; want no container or network left", left, err)
	}
}

func allHealthy(st watchdog.Status) bool {
	for _, s := range st.Services {
		if s.Health != watchdog.HealthHealthy || s.State != watchdog.StateRunning {
			return false
		}
	}
	return true
}
