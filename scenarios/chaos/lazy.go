package chaos

import (
	"context"
	"fmt"
	"strconv"

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

// intParam reads a positive integer param (FaultDef.withDefaults has set
// its default).
func intParam(spec FaultSpec, name string) (int, error) {
	v, ok := spec.Params[name]
	if !ok {
		return 0, fmt.Errorf("params.%s is required", name)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("params.%s %q must be a positive integer", name, v)
	}
	return n, nil
}

// floodFault opens params.connections idle connections to
// the address addr returns, held for the fault's duration.
func floodFault(spec FaultSpec, addr func(ctx context.Context) (string, error)) (faults.Fault, error) {
	n, err := intParam(spec, "connections")
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
