package stack

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections kept by library HTTP clients we cannot
		// close (testcontainers' HTTP wait strategy, the toxiproxy client):
		// not goroutines this package starts.
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	)
}

// TestStackCutRestoreDown starts the whole stack, proves Postgres and Solana
// answer through Toxiproxy and directly, cuts and restores the Postgres link,
// and proves Down leaves nothing labelled behind.
func TestStackCutRestoreDown(t *testing.T) {
	began := time.Now()
	s := Require(t, Options{Solana: SolanaRequired})
	t.Logf("stack up in %v (run %s)", time.Since(began).Round(time.Millisecond), s.RunID)
	for _, tm := range s.Timings {
		t.Logf("  %-14s %v", tm.Step, tm.Took.Round(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	for name, dsn := range map[string]string{"proxied": s.Endpoints.PostgresDSN, "direct": s.Endpoints.PostgresDirectDSN} {
		if err := Ping(ctx, dsn); err != nil {
			t.Fatalf("Ping(%s %s) = %v, want nil", name, dsn, err)
		}
	}
	code, out, err := s.Exec(ctx, Postgres, "psql", "-U", "postgres", "-Atc", "SHOW fsync")
	if err != nil || code != 0 || strings.TrimSpace(string(out)) != "on" {
		t.Fatalf("Exec(psql SHOW fsync) = %d, %q, %v; want 0, \"on\", nil", code, out, err)
	}

	for _, url := range []string{s.Endpoints.SolanaRPC, s.Endpoints.SolanaDirectRPC} {
		if err := RPCHealth(ctx, url); err != nil {
			t.Fatalf("RPCHealth(%s) = %v, want nil", url, err)
		}
	}
	cutAndRestore(ctx, t, s, ProxySolana, func(ctx context.Context) error { return RPCHealth(ctx, s.Endpoints.SolanaRPC) })
	cutAndRestore(ctx, t, s, ProxyPostgres, func(ctx context.Context) error { return Ping(ctx, s.Endpoints.PostgresDSN) })
	// The direct link is not behind the proxy: it must have stayed up.
	if err := Ping(ctx, s.Endpoints.PostgresDirectDSN); err != nil {
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
	left, err := Leftovers(ctx, s.RunID)
	if err != nil || len(left) > 0 {
		t.Fatalf("Leftovers(%s) = %v, %v; want none", s.RunID, left, err)
	}
}

// cutAndRestore disables proxy, expects check to fail, enables it and
// expects check to pass again within a bounded time.
func cutAndRestore(ctx context.Context, t *testing.T, s *Stack, proxy string, check func(context.Context) error) {
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
	if err := poll(rctx, proxy+" after restore", check); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s restored: check passed after %v", proxy, time.Since(restored).Round(time.Millisecond))
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts Options
		want Options
	}{
		{"zero", nil, Options{}, Options{PostgresImage: DefaultPostgresImage, ToxiproxyImage: DefaultToxiproxyImage, SolanaImage: DefaultSolanaImage}},
		{"env", map[string]string{EnvPostgresImage: "postgres:16-alpine", EnvToxiproxyImage: "ghcr.io/shopify/toxiproxy:2.12.0", EnvSolanaImage: "anzaxyz/agave:v2.1.0", EnvStackImage: "vigil/stack:latest"}, Options{},
			Options{PostgresImage: "postgres:16-alpine", ToxiproxyImage: "ghcr.io/shopify/toxiproxy:2.12.0", SolanaImage: "anzaxyz/agave:v2.1.0", StackImage: "vigil/stack:latest"}},
		{"options win over env", map[string]string{EnvPostgresImage: "postgres:16-alpine"}, Options{PostgresImage: "mine:1"},
			Options{PostgresImage: "mine:1", ToxiproxyImage: DefaultToxiproxyImage, SolanaImage: DefaultSolanaImage}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{EnvPostgresImage, EnvToxiproxyImage, EnvSolanaImage, EnvStackImage} {
				t.Setenv(k, tc.env[k])
			}
			got := tc.opts.withDefaults()
			if got.PostgresImage != tc.want.PostgresImage || got.ToxiproxyImage != tc.want.ToxiproxyImage ||
				got.SolanaImage != tc.want.SolanaImage || got.StackImage != tc.want.StackImage {
				t.Errorf("withDefaults() images = %q %q %q %q, want %q %q %q %q",
					got.PostgresImage, got.ToxiproxyImage, got.SolanaImage, got.StackImage,
					tc.want.PostgresImage, tc.want.ToxiproxyImage, tc.want.SolanaImage, tc.want.StackImage)
			}
			if got.RunID == "" || got.PostgresPassword == "" || got.StartTimeout <= 0 || got.Logger == nil {
				t.Errorf("withDefaults() left RunID/PostgresPassword/StartTimeout/Logger empty: %+v", got)
			}
		})
	}
}

func TestOwnerGone(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"this process", labels("x"), false},
		{"dead pid", map[string]string{LabelHost: host, LabelPID: "999999999"}, true},
		{"other host", map[string]string{LabelHost: host + "-elsewhere", LabelPID: "1"}, true},
		{"no pid label", map[string]string{LabelHost: host}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ownerGone(tc.labels); got != tc.want {
				t.Errorf("ownerGone(%v) = %v, want %v", tc.labels, got, tc.want)
			}
		})
	}
}
