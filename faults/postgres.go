package faults

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// PGTerminate terminates the Postgres backends serving an application
// (pg_terminate_backend), as a DBA or a failover would: the application's
// connections break mid-flight and it must reconnect. Nothing to revert.
// At least one filter is required, and the fault's own backend is never
// terminated.
type PGTerminate struct {
	// DSN connects with a role allowed to terminate the backends (a
	// superuser, or a member of pg_signal_backend).
	DSN string
	// ApplicationName, User and Database select backends; empty fields
	// match anything, but at least one must be set.
	ApplicationName string
	User            string
	Database        string
	// AllowNone makes "no backend matched" a success instead of an error.
	AllowNone bool

	mu         sync.Mutex
	terminated int
}

// TerminateBackends returns a fault that terminates the backends whose
// application_name is app.
func TerminateBackends(dsn, app string) *PGTerminate {
	return &PGTerminate{DSN: dsn, ApplicationName: app}
}

var (
	_ Fault    = (*PGTerminate)(nil)
	_ Targeter = (*PGTerminate)(nil)
)

// Name is "pg-terminate-backends".
func (p *PGTerminate) Name() string { return "pg-terminate-backends" }

// Target lists the filters, e.g. "application_name=pgapi".
func (p *PGTerminate) Target() string {
	var parts []string
	for _, f := range p.filters() {
		parts = append(parts, f[0]+"="+f[1])
	}
	return strings.Join(parts, " ")
}

// filters are the set (column, value) pairs.
func (p *PGTerminate) filters() [][2]string {
	var fs [][2]string
	for _, f := range [][2]string{{"application_name", p.ApplicationName}, {"usename", p.User}, {"datname", p.Database}} {
		if f[1] != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// where builds the filter clause and its arguments.
func (p *PGTerminate) where() (string, []any) {
	var conds []string
	var args []any
	for _, f := range p.filters() {
		args = append(args, f[1])
		conds = append(conds, fmt.Sprintf("%s = $%d", f[0], len(args)))
	}
	return strings.Join(conds, " AND "), args
}

// Terminated is how many backends the last Inject terminated; read it
// after Inject returns.
func (p *PGTerminate) Terminated() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.terminated
}

// Inject connects, terminates the matching backends and disconnects.
func (p *PGTerminate) Inject(ctx context.Context) (Revert, error) {
	cond, args := p.where()
	if cond == "" {
		return nil, fmt.Errorf("terminate backends: no filter: set ApplicationName, User or Database")
	}
	conn, err := pgx.Connect(ctx, p.DSN)
	if err != nil {
		return nil, fmt.Errorf("terminate backends of %s: connect: %w", p.Target(), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	q := "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE " +
		cond + " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
	var n int
	if err := conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("terminate backends of %s: %w", p.Target(), err)
	}
	p.mu.Lock()
	p.terminated = n
	p.mu.Unlock()
	if n == 0 && !p.AllowNone {
		return nil, fmt.Errorf("terminate backends of %s: none matched: is the application connected with that application_name?", p.Target())
	}
	return NoRevert, nil
}

// PostmasterPID returns a ProcessFinder reading the postmaster's pid from
// dataDir/postmaster.pid on this host.
func PostmasterPID(dataDir string) PIDFunc {
	return PIDFile(filepath.Join(dataDir, "postmaster.pid"))
}

// KillPostmaster returns a fault that SIGKILLs the postmaster found by f
// (e.g. PostmasterPID) and nothing else: its backends notice and exit, and
// the next start runs crash recovery. Nothing to revert: starting Postgres
// again is the system's job.
func KillPostmaster(f ProcessFinder) *Process {
	return &Process{Service: "postgres", Signal: syscall.SIGKILL, Finder: f, Kind: "postmaster-kill"}
}
