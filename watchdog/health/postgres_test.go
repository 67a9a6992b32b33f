package health

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/watchdog/config"
)

// TestPostgres runs every Postgres case against one real server; the outage
// case stops and restarts it, so it runs last.
func TestPostgres(t *testing.T) {
	s := pgtest.Require(t)
	t.Run("select 1", func(t *testing.T) {
		detail, err := runCheck(t, config.Check{Postgres: &config.PostgresCheck{DSN: s.DSN}}, Deps{})
		checkOutcome(t, detail, err, "", "1 in ")
	})
	tests := []struct {
		name, query, expect, wantErr, detail string
	}{
		{name: "expect matches", query: "SELECT pg_is_in_recovery()", expect: "f", detail: "f in"},
		{name: "expect differs", query: "SELECT 'primary'", expect: "replica", wantErr: `returned "primary", want "replica"`},
		{name: "null", query: "SELECT NULL", expect: "null"},
		{name: "no rows", query: "SELECT 1 WHERE false", expect: "1", wantErr: `returned "", want "1"`},
		{name: "bad query", query: "SELECT * FROM no_such_table", wantErr: `does not exist`},
		{name: "slow query bounded", query: "SELECT pg_sleep(10)", wantErr: "no answer before the check's timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			within(t, 5*time.Second, "postgres check with timeout 1s", func() {
				detail, err := runCheck(t, config.Check{Postgres: &config.PostgresCheck{DSN: s.DSN, Query: tc.query, Expect: tc.expect}}, Deps{})
				checkOutcome(t, detail, err, tc.wantErr, tc.detail)
			})
		})
	}
	t.Run("no connection leak over 2000 runs", func(t *testing.T) { testPostgresNoLeak(t, s) })
	t.Run("outage and recovery", func(t *testing.T) {
		cfg := config.Check{Postgres: &config.PostgresCheck{DSN: s.DSN}, Timeout: time.Second}
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		within(t, 3*time.Second, "check against a stopped postgres", func() {
			_, err := runCheck(t, cfg, Deps{})
			checkOutcome(t, "", err, "connect to postgres at 127.0.0.1", "")
		})
		if err := s.Restart(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, err := runCheck(t, cfg, Deps{})
		checkOutcome(t, "", err, "", "")
	})
}

// testPostgresNoLeak runs one checker 2000 times, GC off, (every 50th run with a
// timeout too short to finish, exercising the failure path) and then asserts
// the server holds at most one backend with the check's application_name.
func testPostgresNoLeak(t *testing.T, s *pgtest.Server) {
	const app, runs = "vigil-leak-test", 2000
	chk, err := New(config.Check{Name: "leak", Postgres: &config.PostgresCheck{DSN: s.DSN + "&application_name=" + app}}.Defaulted(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(chk)
	// With the GC off, a connection the checker forgot to close stays open
	// (no finalizer closes its socket), so a leak shows in the count.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	start := time.Now()
	failed := 0
	for i := 0; i < runs; i++ {
		timeout := 5 * time.Second
		if i%50 == 49 {
			timeout = time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, err := chk.Check(ctx)
		cancel()
		if err != nil {
			if timeout != time.Millisecond {
				t.Fatalf("run %d: %v", i, err)
			}
			failed++
		}
	}
	t.Logf("%d runs (%d cut short) in %s", runs, failed, time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Backends exit just after the client closes; give the last one a bounded moment.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		q := "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
		if err := conn.QueryRow(ctx, q, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n <= 1 {
			t.Logf("pg_stat_activity holds %d backends for %s after %d runs", n, app, runs)
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pg_stat_activity holds %d backends for %s after %d runs, want <= 1", n, app, runs)
		case <-tick.C:
		}
	}
}

func ExampleNew_postgres() {
	chk, err := New(config.Check{Postgres: &config.PostgresCheck{
		DSN: "postgres://vigil@127.0.0.1:5432/app?sslmode=disable", Query: "SELECT pg_is_in_recovery()", Expect: "f"}}.Defaulted(), Deps{})
	fmt.Println(chk != nil, err)
	// Output: true <nil>
}

// TestPostgresPgxOnlyParams: the DSN parameters pgx.ParseConfig took for
// itself are still accepted, checked as pgx checked them, and never sent to
// the server as settings (which would refuse them).
func TestPostgresPgxOnlyParams(t *testing.T) {
	base := "postgres://vigil@127.0.0.1:5432/app?sslmode=disable"
	p, err := newPostgres(config.PostgresCheck{DSN: base + "&statement_cache_capacity=10&description_cache_capacity=0&default_query_exec_mode=exec"}, "svc")
	if err != nil {
		t.Fatalf("newPostgres(pgx-only params) = %v, want nil", err)
	}
	for _, k := range []string{"statement_cache_capacity", "description_cache_capacity", "default_query_exec_mode"} {
		if v, ok := p.connCfg.RuntimeParams[k]; ok {
			t.Errorf("RuntimeParams[%s] = %q, want it dropped", k, v)
		}
	}
	if got := p.connCfg.RuntimeParams["application_name"]; got != "vigil-health:svc" {
		t.Errorf("application_name = %q, want vigil-health:svc", got)
	}
	for _, bad := range []string{"&default_query_exec_mode=bogus", "&statement_cache_capacity=many"} {
		if _, err := newPostgres(config.PostgresCheck{DSN: base + bad}, "svc"); err == nil || !strings.Contains(err.Error(), "does not parse") {
			t.Errorf("newPostgres(%s) = %v, want a does-not-parse error", bad, err)
		}
	}
}
