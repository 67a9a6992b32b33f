package solanasim

import (
	"encoding/json"
	"fmt"
)

// Versions reported by getVersion and in response contexts.
const (
	solanaCoreVersion = "1.18.26"
	featureSet        = 3469865029
)

// commitmentConfig is the optional config most read methods take. Only the
// shape is checked: every commitment level sees the same single fork.
type commitmentConfig struct {
	Commitment     string  `json:"commitment"`
	MinContextSlot *uint64 `json:"minContextSlot"`
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

// readCommitment accepts [] or [{"commitment":…}].
func readCommitment(params json.RawMessage) *rpcError {
	args, e := positional(params, 0, 1)
	if e != nil {
		return e
	}
	return configParam(optional(args, 0), &commitmentConfig{})
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

func (s *Sim) getSlot(params json.RawMessage) (any, *rpcError) {
	if e := readCommitment(params); e != nil {
		return nil, e
	}
	return s.Slot(), nil
}

// getBlockHeight equals the slot: the simulator never skips a slot.
func (s *Sim) getBlockHeight(params json.RawMessage) (any, *rpcError) {
	return s.getSlot(params)
}

func (s *Sim) getEpochInfo(params json.RawMessage) (any, *rpcError) {
	if e := readCommitment(params); e != nil {
		return nil, e
	}
	slot, txCount := s.ledger.snapshot()
	return map[string]uint64{
		"absoluteSlot":     slot,
		"blockHeight":      slot,
		"epoch":            slot / slotsInEpoch,
		"slotIndex":        slot % slotsInEpoch,
		"slotsInEpoch":     slotsInEpoch,
		"transactionCount": txCount,
	}, nil
}

func (s *Sim) getLatestBlockhash(params json.RawMessage) (any, *rpcError) {
	if e := readCommitment(params); e != nil {
		return nil, e
	}
	slot := s.Slot()
	return withContext{
		Context: s.context(slot),
		Value: map[string]any{
			"blockhash":            blockhashAt(slot).String(),
			"lastValidBlockHeight": slot + blockhashValidity,
		},
	}, nil
}

// rentExemptMinimum is agave's formula: (128 header bytes + data) at 3480
// lamports per byte-year for two years.
func rentExemptMinimum(dataLen uint64) uint64 { return (128 + dataLen) * 3480 * 2 }

func (s *Sim) getMinimumBalanceForRentExemption(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	n, e := uintParam(args[0], "data length")
	if e != nil {
		return nil, e
	}
	if e := configParam(optional(args, 1), &commitmentConfig{}); e != nil {
		return nil, e
	}
	return rentExemptMinimum(n), nil
}
