package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vigilhq/vigil/faults/pgtest"
)

// connectApp opens a pgx connection that identifies as application app.
func connectApp(t *testing.T, dsn, app string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = app
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect as %s: %v", app, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestPGTerminateBreaksOnlyTheApplicationsConns(t *testing.T) {
	pg := pgtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	victims := []*pgx.Conn{connectApp(t, pg.DSN, "faults-victim"), connectApp(t, pg.DSN, "faults-victim")}
	bystander := connectApp(t, pg.DSN, "faults-bystander")

	f := TerminateBackends(pg.DSN, "faults-victim")
	if got := f.Target(); got != "application_name=faults-victim" {
		t.Errorf("Target() = %q", got)
	}
	revert := mustInject(ctx, t, f)
	if f.Terminated() != 2 {
		t.Errorf("Terminated() = %d, want 2", f.Terminated())
	}
	for i, c := range victims {
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err == nil {
			t.Errorf("victim %d: query after termination succeeded, want its connection broken", i)
		}
	}
	var one int
	if err := bystander.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("bystander query = %v, want it untouched", err)
	}
	if err := revert.Run(ctx); err != nil {
		t.Errorf("revert() = %v, want nil", err)
	}
}

func TestPGTerminateErrors(t *testing.T) {
	pg := pgtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, want string
		f          *PGTerminate
	}{
		{"no filter", "no filter", &PGTerminate{DSN: pg.DSN}},
		{"none matched", "none matched", TerminateBackends(pg.DSN, "nobody-uses-this")},
		{"bad dsn", "connect", TerminateBackends("postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2", "x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Inject(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Inject() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	allow := &PGTerminate{DSN: pg.DSN, User: "nobody-uses-this", AllowNone: true}
	if _, err := allow.Inject(ctx); err != nil || allow.Terminated() != 0 {
		t.Fatalf("AllowNone Inject() = %v, %d terminated, want nil, 0", err, allow.Terminated())
	}
}

// TestKillPostmasterThenRestartRecovers: SIGKILL the postmaster, and the
// next start runs crash recovery and keeps committed data.
func TestKillPostmasterThenRestartRecovers(t *testing.T) {
	pg := pgtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	conn := connectApp(t, pg.DSN, "faults-crash")
	if _, err := conn.Exec(ctx, "CREATE TABLE crash (v int); INSERT INTO crash VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	// Postgres children call setsid(): they are not in the postmaster's
	// process group, so note them now to wait for them after the crash.
	children := childPIDs(t, pg.PID())
	if len(children) == 0 {
		t.Fatal("postmaster has no children to outlive it")
	}
	f := KillPostmaster(PostmasterPID(pg.Dir))
	if f.Name() != "postmaster-kill" {
		t.Errorf("Name() = %q, want postmaster-kill", f.Name())
	}
	if _, err := f.Inject(ctx); err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	// The children notice their postmaster died and exit; only then can a
	// new postmaster create its shared memory.
	eventually(t, 30*time.Second, "postmaster's children gone", func() (bool, string) {
		for _, pid := range children {
			if st, err := procState(pid); err == nil && st != "Z" {
				return false, "pid " + strconv.Itoa(pid) + " state " + st
			}
		}
		return true, ""
	})
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err == nil {
		t.Fatal("query on a crashed server succeeded")
	}
	// Let pgtest reap its postmaster before Restart (its wait goroutine
	// reads fields Restart rewrites).
	_ = pg.Kill()
	if err := pg.Restart(ctx); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.Dir, "server.log"))
		t.Fatalf("Restart() after kill -9 = %v\nserver.log:\n%s", err, log)
	}
	after := connectApp(t, pg.DSN, "faults-crash")
	var v int
	if err := after.QueryRow(ctx, "SELECT v FROM crash").Scan(&v); err != nil || v != 42 {
		t.Fatalf("committed row after recovery = %d, %v, want 42", v, err)
	}
	log, _ := os.ReadFile(filepath.Join(pg.Dir, "server.log"))
	if !strings.Contains(string(log), "not properly shut down; automatic recovery in progress") {
		t.Errorf("server.log shows no crash recovery after kill -9:\n%s", log)
	}
}

// childPIDs lists pid's children from /proc.
func childPIDs(t *testing.T, pid int) []int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad children list %q", b)
		}
		pids = append(pids, n)
	}
	return pids
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
