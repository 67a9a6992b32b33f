package stack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/stack"
	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
)

// TestStackCutRestoreDown starts the whole stack, proves Postgres and Solana
// answer through Toxiproxy and directly, cuts and restores the Postgres link,
// and proves Down leaves nothing labelled behind.
func TestStackCutRestoreDown(t *testing.T) {
	began := time.Now()
	s := stacktest.Require(t, stack.Options{Solana: stack.SolanaRequired})
	t.Logf("stack up in %v (run %s)", time.Since(began).Round(time.Millisecond), s.RunID)
	for _, tm := range s.Timings {
		t.Logf("  %-14s %v", tm.Step, tm.Took.Round(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	for name, dsn := range map[string]string{"proxied": s.Endpoints.PostgresDSN, "direct": s.Endpoints.PostgresDirectDSN} {
		if err := stack.Ping(ctx, dsn); err != nil {
			t.Fatalf("Ping(%s %s) = %v, want nil", name, dsn, err)
		}
	}
	code, out, err := s.Exec(ctx, stack.Postgres, "psql", "-U", "postgres", "-Atc", "SHOW fsync")
	if err != nil || code != 0 || strings.TrimSpace(string(out)) != "on" {
		t.Fatalf("Exec(psql SHOW fsync) = %d, %q, %v; want 0, \"on\", nil", code, out, err)
	}

	for _, url := range []string{s.Endpoints.SolanaRPC, s.Endpoints.SolanaDirectRPC} {
		if err := stack.RPCHealth(ctx, url); err != nil {
			t.Fatalf("RPCHealth(%s) = %v, want nil", url, err)
		}
	}
	cutAndRestore(ctx, t, s, stack.ProxySolana, func(ctx context.Context) error { return stack.RPCHealth(ctx, s.Endpoints.SolanaRPC) })
	cutAndRestore(ctx, t, s, stack.ProxyPostgres, func(ctx context.Context) error { return stack.Ping(ctx, s.Endpoints.PostgresDSN) })
	// The direct link is not behind the proxy: it must have stayed up.
	if err := stack.Ping(ctx, s.Endpoints.PostgresDirectDSN); err != nil {
		t.Fatalf("Ping(direct) after restore = %v, want nil", err)
	}

	downStart := time.Now()
	if err := s.Down(ctx); err != nil {
		t.Fatalf("Down() = %v, want nil", err)
	}
	t.Logf("stack down in %v", time.Since(downStart).Round(time.Millisecond))
	if err := s.Down(ctx); err != nil {
		t.Fatalf("second Down() = %v, want nil", err)
	}
	left, err := stack.Leftovers(ctx, s.RunID)
	if err != nil || len(left) > 0 {
		t.Fatalf("Leftovers(%s) = %v, %v; want none", s.RunID, left, err)
	}
}

// cutAndRestore disables proxy, expects check to fail, enables it and
// expects check to pass again within a bounded time.
func cutAndRestore(ctx context.Context, t *testing.T, s *stack.Stack, proxy string, check func(context.Context) error) {
	t.Helper()
	p, err := s.Toxi.Proxy(proxy)
	if err != nil {
		t.Fatalf("Toxi.Proxy(%s) = %v", proxy, err)
	}
	cut := time.Now()
	if err := p.Disable(); err != nil {
		t.Fatalf("disable proxy %s: %v", proxy, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = check(cctx)
	cancel()
	if err == nil {
		t.Fatalf("%s check with the proxy disabled = nil, want an error", proxy)
	}
	t.Logf("%s cut: check failed after %v: %v", proxy, time.Since(cut).Round(time.Millisecond), err)
	restored := time.Now()
	if err := p.Enable(); err != nil {
		t.Fatalf("enable proxy %s: %v", proxy, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := stack.Poll(rctx, proxy+" after restore", check); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s restored: check passed after %v", proxy, time.Since(restored).Round(time.Millisecond))
}
