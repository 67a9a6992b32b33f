package chaos

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/faults"
)

// lazyFault builds its fault when injected, for faults whose target
// address is only known then (a container's current host port).
type lazyFault struct {
	name string
	make func(ctx context.Context) (faults.Fault, error)
}

var _ faults.Fault = lazyFault{}

func (l lazyFault) Name() string { return l.name }

func (l lazyFault) Inject(ctx context.Context) (faults.Revert, error) {
	f, err := l.make(ctx)
	if err != nil {
		return nil, err
	}
	return f.Inject(ctx)
}

// intParam reads an integer param, def when absent.
func intParam(spec FaultSpec, name string, def int) (int, error) {
	v, ok := spec.Params[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("params.%s %q must be a positive integer", name, v)
	}
	return n, nil
}

// floodFault opens params.connections (default 100) idle connections to
// the address addr returns, held for the fault's duration.
func floodFault(spec FaultSpec, addr func(ctx context.Context) (string, error)) (faults.Fault, error) {
	n, err := intParam(spec, "connections", 100)
	if err != nil {
		return nil, err
	}
	return lazyFault{name: "port-flood", make: func(ctx context.Context) (faults.Fault, error) {
		a, err := addr(ctx)
		if err != nil {
			return nil, err
		}
		f := faults.FloodConns(a, n)
		f.Hold = spec.Duration + DefaultTail
		return f, nil
	}}, nil
}

// terminateFault terminates every backend of the application database in
// dsn (the reference services set no application_name).
func terminateFault(dsn string) (faults.Fault, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres terminate: %w", err)
	}
	return &faults.PGTerminate{DSN: dsn, Database: cfg.Database, AllowNone: true}, nil
}

// abortCommitFault builds the abort_commit fault on dsn from spec's params.
func abortCommitFault(dsn string, spec FaultSpec) (faults.Fault, error) {
	f := &faults.AbortCommit{DSN: dsn, Table: "payments", Probability: 0.3}
	if v, ok := spec.Params["table"]; ok {
		f.Table = v
	}
	if v, ok := spec.Params["probability"]; ok {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p <= 0 || p > 1 {
			return nil, fmt.Errorf("params.probability %q: want a share in (0, 1], e.g. 0.3", v)
		}
		f.Probability = p
	}
	return f, nil
}
