package solanasim

import (
	"encoding/json"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Versions reported by getVersion and in response contexts.
const (
	solanaCoreVersion = "1.18.26"
	featureSet        = 3469865029
)

// commitmentConfig is the optional config most read methods take.
type commitmentConfig struct {
	Commitment     string  `json:"commitment"`
	MinContextSlot *uint64 `json:"minContextSlot"`
}

// commitment is a JSON-RPC commitment level; the values index arrays.
type commitment int

const (
	commitProcessed commitment = iota
	commitConfirmed
	commitFinalized
)

var commitmentNames = [...]string{"processed", "confirmed", "finalized"}

func (c commitment) String() string { return commitmentNames[c] }

// parseCommitment reads a commitment name; empty is agave's default,
// finalized.
func parseCommitment(name string) (commitment, *rpcError) {
	if name == "" {
		return commitFinalized, nil
	}
	for i, n := range commitmentNames {
		if n == name {
			return commitment(i), nil
		}
	}
	return 0, errInvalidParams("Invalid params: unknown variant `%s`, expected one of `processed`, `confirmed`, `finalized`", name)
}

// readCommitment resolves cfg's commitment and checks minContextSlot
// (-32016 with data.contextSlot, as agave).
func (s *Sim) readCommitment(cfg commitmentConfig) (commitment, *rpcError) {
	c, e := parseCommitment(cfg.Commitment)
	if e != nil {
		return c, e
	}
	if cfg.MinContextSlot != nil {
		if slot := s.ledger.slotAt(c); slot < *cfg.MinContextSlot {
			return c, &rpcError{
				Code:    CodeMinContextSlot,
				Message: "Minimum context slot has not been reached",
				Data:    map[string]any{"contextSlot": slot},
			}
		}
	}
	return c, nil
}

// commitmentArg reads an optional {"commitment",…} argument.
func (s *Sim) commitmentArg(raw json.RawMessage) (commitment, *rpcError) {
	var cfg commitmentConfig
	if e := configParam(raw, &cfg); e != nil {
		return 0, e
	}
	return s.readCommitment(cfg)
}

// rpcContext is the "context" of a response that carries one.
type rpcContext struct {
	Slot       uint64 `json:"slot"`
	APIVersion string `json:"apiVersion"`
}

func (s *Sim) context(slot uint64) rpcContext {
	return rpcContext{Slot: slot, APIVersion: solanaCoreVersion}
}

// withContext wraps a value as {"context":…,"value":…}.
type withContext struct {
	Context rpcContext `json:"context"`
	Value   any        `json:"value"`
}

// commitmentOnly reads params [] or [{"commitment":…}].
func (s *Sim) commitmentOnly(params json.RawMessage) (commitment, *rpcError) {
	args, e := positional(params, 0, 1)
	if e != nil {
		return 0, e
	}
	return s.commitmentArg(optional(args, 0))
}

func (s *Sim) getHealth(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	c := s.Condition()
	switch c.Mode {
	case ModeBehind:
		return nil, &rpcError{
			Code:    CodeNodeUnhealthy,
			Message: fmt.Sprintf("Node is behind by %d slots", c.BehindSlots),
			Data:    map[string]any{"numSlotsBehind": c.BehindSlots},
		}
	case ModeUnknown:
		return nil, &rpcError{
			Code:    CodeNodeUnhealthy,
			Message: "Node is unhealthy",
			Data:    map[string]any{"numSlotsBehind": nil},
		}
	}
	return "ok", nil
}

func (s *Sim) getVersion(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	return map[string]any{"solana-core": solanaCoreVersion, "feature-set": featureSet}, nil
}

// getSlot answers the slot at the requested commitment.
func (s *Sim) getSlot(params json.RawMessage) (any, *rpcError) {
	c, e := s.commitmentOnly(params)
	if e != nil {
		return nil, e
	}
	return s.ledger.slotAt(c), nil
}

// getBlockHeight equals the slot: the simulator never skips a slot.
func (s *Sim) getBlockHeight(params json.RawMessage) (any, *rpcError) {
	return s.getSlot(params)
}

func (s *Sim) getEpochInfo(params json.RawMessage) (any, *rpcError) {
	c, e := s.commitmentOnly(params)
	if e != nil {
		return nil, e
	}
	_, txCount := s.ledger.snapshot()
	slot := s.ledger.slotAt(c)
	return map[string]uint64{
		"absoluteSlot":     slot,
		"blockHeight":      slot,
		"epoch":            slot / slotsInEpoch,
		"slotIndex":        slot % slotsInEpoch,
		"slotsInEpoch":     slotsInEpoch,
		"transactionCount": txCount,
	}, nil
}

// latestBlockhash is getLatestBlockhash's value (and simulate's
// replacementBlockhash).
type latestBlockhash struct {
	Blockhash            solana.Hash `json:"blockhash"`
	LastValidBlockHeight uint64      `json:"lastValidBlockHeight"`
}

// getLatestBlockhash answers the blockhash of the bank at the requested
// commitment, valid for blockhashValidity more blocks.
func (s *Sim) getLatestBlockhash(params json.RawMessage) (any, *rpcError) {
	c, e := s.commitmentOnly(params)
	if e != nil {
		return nil, e
	}
	slot := s.ledger.slotAt(c)
	return withContext{Context: s.context(slot), Value: s.latestBlockhash(slot)}, nil
}

func (s *Sim) latestBlockhash(slot uint64) latestBlockhash {
	return latestBlockhash{s.ledger.chain.blockhashAt(slot), slot + blockhashValidity}
}

// rentExemptMinimum is agave's formula: (128 header bytes + data) at 3480
// lamports per byte-year for two years.
func rentExemptMinimum(dataLen uint64) uint64 { return (128 + dataLen) * 3480 * 2 }

func (s *Sim) getMinimumBalanceForRentExemption(params json.RawMessage) (any, *rpcError) {
	n, args, e := leading(params, 1, 2, uintNamed("data length"))
	if e != nil {
		return nil, e
	}
	if _, e := s.commitmentArg(optional(args, 1)); e != nil {
		return nil, e
	}
	return rentExemptMinimum(n), nil
}
