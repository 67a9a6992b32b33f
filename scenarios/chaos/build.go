package chaos

import (
	"fmt"
	"strconv"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/faults"
)

// The builders the fault table shares between the stack and local targets.

// signal is the process fault that sends sig to the target service.
func signal(sig syscall.Signal) func(faultHost, FaultSpec) (faults.Fault, error) {
	return func(h faultHost, spec FaultSpec) (faults.Fault, error) {
		return &faults.Process{Service: spec.Target, Signal: sig, Finder: h.finder()}, nil
	}
}

// wedge ptrace-stops the target service.
func wedge(h faultHost, spec FaultSpec) (faults.Fault, error) {
	return &faults.Wedge{Service: spec.Target, Finder: h.finder()}, nil
}

// killWatchdog SIGKILLs the supervising watchdog.
func killWatchdog(h faultHost, _ FaultSpec) (faults.Fault, error) {
	return &faults.Process{Service: "watchdog", Signal: syscall.SIGKILL, Finder: faults.PIDFunc(h.supervisorPID)}, nil
}

// terminate terminates every backend of the application database (the
// reference services set no application_name).
func terminate(h faultHost, _ FaultSpec) (faults.Fault, error) {
	dsn := h.postgresDSN()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres terminate: %w", err)
	}
	return &faults.PGTerminate{DSN: dsn, Database: cfg.Database, AllowNone: true}, nil
}

// abortCommit builds the abort_commit fault on the application database
// from spec's params table and probability (FaultDef.withDefaults has set
// their defaults).
func abortCommit(h faultHost, spec FaultSpec) (faults.Fault, error) {
	v := spec.Params["probability"]
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p <= 0 || p > 1 {
		return nil, fmt.Errorf("params.probability %q: want a share in (0, 1], e.g. 0.3", v)
	}
	return &faults.AbortCommit{DSN: h.postgresDSN(), Table: spec.Params["table"], Probability: p}, nil
}
