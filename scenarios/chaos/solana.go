package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/vigilhq/vigil/faults"
)

// solanaFault is one solanasim admin mode as a fault action (kind solana,
// target solana): timed, reverted to healthy, reaching what depends on
// Solana. Only the stack runs solanasim with its admin API.
func solanaFault(mode, doc string, params ...Param) FaultDef {
	return FaultDef{Kind: "solana", Action: mode, Timed: true, Reach: ReachDependents, Params: params,
		stack: (*stackFaults).solanaMode,
		Stack: "solanasim's admin API (/admin/mode): " + doc + "; healthy again on revert"}
}

// solanaModeFault makes a solana fault against the simulator whose admin
// API is at admin, reached with the target's clients.
func solanaModeFault(t *Target, admin string, spec FaultSpec) (faults.Fault, error) {
	if admin == "" {
		return nil, errors.New("this target runs no Solana node (the stack started without solanasim)")
	}
	if spec.Target != "solana" {
		return nil, fmt.Errorf("solana faults target the node %q, not %q", "solana", spec.Target)
	}
	f := &faults.SolanaMode{Admin: admin, Mode: spec.Action, Client: t.httpClient(false), Node: spec.Target}
	delay, _, err := durations(spec.Params, "delay")
	if err != nil {
		return nil, err
	}
	f.Delay = delay
	if v, ok := spec.Params["behind_slots"]; ok {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("params.behind_slots %q: want a positive number of slots", v)
		}
		f.BehindSlots = n
	}
	return f, nil
}

// solanaMode makes a solana fault on the stack's Solana container (its
// RPC port, past Toxiproxy).
func (f *stackFaults) solanaMode(spec FaultSpec) (faults.Fault, error) {
	return solanaModeFault(f.t, f.t.SolanaRPC, spec)
}

// resetSolana puts the stack's simulator back to healthy between scenarios
// (a validator has no admin API and nothing to reset).
func (f *stackFaults) resetSolana(ctx context.Context) error {
	if f.t == nil || f.t.SolanaRPC == "" {
		return nil
	}
	return faults.ResetSolanaMode(ctx, f.t.httpClient(false), f.t.SolanaRPC)
}
