package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/vigilhq/vigil/watchdog/config"
)

// codeNodeUnhealthy is Solana's JSON-RPC error for getHealth on an unhealthy node.
const codeNodeUnhealthy = -32005

// solanaChecker probes a Solana RPC node: getHealth, slot progress (a stalled
// node often still answers "ok"), lag behind a reference node and a program
// account that must be deployed and executable.
//
// It keeps the last observed slot and when it last changed across runs; mu
// guards them so concurrent Check calls stay safe (a Monitor makes none).
type solanaChecker struct {
	cfg     config.SolanaCheck
	node    *rpc.Client
	ref     *rpc.Client // nil without Reference
	program solana.PublicKey
	hasProg bool
	now     func() time.Time
	closers []io.Closer
	pubsub  *pubsubProbe // nil unless cfg.PubSub is set

	mu         sync.Mutex
	lastSlot   uint64
	lastChange time.Time // zero before the first sample
}

var (
	_ Checker   = (*solanaChecker)(nil)
	_ io.Closer = (*solanaChecker)(nil)
)

func newSolana(cfg config.SolanaCheck) (*solanaChecker, error) {
	if cfg.URL == "" {
		return nil, errors.New("solana.url is empty: set the node's RPC URL, e.g. http://127.0.0.1:8899")
	}
	if cfg.MaxSlotLag > 0 && cfg.Reference == "" {
		return nil, errors.New("solana.max_slot_lag needs solana.reference: set the RPC URL of a node to compare against")
	}
	s := &solanaChecker{cfg: cfg, now: time.Now}
	s.node = s.client(cfg.URL)
	if cfg.Reference != "" {
		s.ref = s.client(cfg.Reference)
	}
	if cfg.Program != "" {
		pk, err := solana.PublicKeyFromBase58(cfg.Program)
		if err != nil {
			return nil, fmt.Errorf("solana.program %q is not a base58 public key: %w", cfg.Program, err)
		}
		s.program, s.hasProg = pk, true
	}
	if cfg.PubSub != nil {
		u, err := cfg.PubSubURL()
		if err != nil {
			return nil, fmt.Errorf("solana.pubsub: %w", err)
		}
		s.pubsub = newPubSubProbe(u, cfg.PubSub.Within)
	}
	return s, nil
}

// client builds an RPC client on our own http.Client: solana-go's default
// has a 5-minute timeout, and ours keeps no idle connections.
func (s *solanaChecker) client(url string) *rpc.Client {
	rc := jsonrpc.NewClientWithOpts(url, &jsonrpc.RPCClientOpts{HTTPClient: newHTTPClient(false)})
	if c, ok := rc.(io.Closer); ok {
		s.closers = append(s.closers, c)
	}
	return rpc.NewWithCustomRPCClient(rc)
}

// Close releases the RPC clients' connections.
func (s *solanaChecker) Close() error {
	for _, c := range s.closers {
		_ = c.Close()
	}
	return nil
}

// Check runs getHealth, the slot-advance and lag checks, the program check,
// then (opt-in) the PubSub probe.
func (s *solanaChecker) Check(ctx context.Context) (string, error) {
	detail := ""
	if err := s.health(ctx); err != nil {
		if !s.cfg.AllowBehind || !isBehind(err) {
			return "", err
		}
		detail = err.Error() + " (allowed) "
	}
	slot, err := s.node.GetSlot(ctx, rpc.CommitmentProcessed)
	if err != nil {
		return "", rpcErr(ctx, "getSlot", err)
	}
	detail += fmt.Sprintf("slot %d", slot)
	if err := s.advanced(slot); err != nil {
		return detail, err
	}
	if s.ref != nil {
		lag, err := s.lag(ctx, slot)
		if err != nil {
			return detail, err
		}
		detail += fmt.Sprintf(" lag %d", lag)
	}
	if s.hasProg {
		if err := s.programOK(ctx); err != nil {
			return detail, err
		}
		detail += " program ok"
	}
	if s.pubsub != nil {
		slot, took, err := s.pubsub.check(ctx)
		if err != nil {
			return detail, err
		}
		detail += fmt.Sprintf(" pubsub slot %d in %s", slot, took.Round(time.Millisecond))
	}
	return detail, nil
}

// errBehind marks a node that reports it is behind by a known number of slots.
type errBehind struct{ slots int64 }

func (e errBehind) Error() string { return fmt.Sprintf("node is behind by %d slots", e.slots) }

func isBehind(err error) bool {
	var b errBehind
	return errors.As(err, &b)
}

func (s *solanaChecker) health(ctx context.Context) error {
	out, err := s.node.GetHealth(ctx)
	if err == nil {
		if out != rpc.HealthOk {
			return fmt.Errorf("getHealth answered %q, want %q", out, rpc.HealthOk)
		}
		return nil
	}
	var re *jsonrpc.RPCError
	if !errors.As(err, &re) || re.Code != codeNodeUnhealthy {
		return rpcErr(ctx, "getHealth", err)
	}
	if n, ok := slotsBehind(re.Data); ok {
		return errBehind{slots: n}
	}
	return fmt.Errorf("node health unknown (getHealth -32005 %q, numSlotsBehind null): the node cannot tell how far behind it is", re.Message)
}

// slotsBehind extracts data.numSlotsBehind; ok is false when absent or null.
func slotsBehind(data any) (int64, bool) {
	m, ok := data.(map[string]any)
	if !ok {
		return 0, false
	}
	switch v := m["numSlotsBehind"].(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case float64:
		return int64(v), true
	}
	return 0, false
}

// advanced records slot and fails when it has not grown for SlotAdvance.
func (s *solanaChecker) advanced(slot uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.lastChange.IsZero() || slot != s.lastSlot {
		// A lower slot means the node was reset; treat it as progress.
		s.lastSlot, s.lastChange = slot, now
		return nil
	}
	if s.cfg.SlotAdvance <= 0 {
		return nil
	}
	if stuck := now.Sub(s.lastChange); stuck >= s.cfg.SlotAdvance {
		return fmt.Errorf("slot %d has not advanced for %s (slot_advance %s): the node is stalled even if getHealth says ok",
			slot, stuck.Round(time.Millisecond), s.cfg.SlotAdvance)
	}
	return nil
}

func (s *solanaChecker) lag(ctx context.Context, slot uint64) (uint64, error) {
	refSlot, err := s.ref.GetSlot(ctx, rpc.CommitmentProcessed)
	if err != nil {
		return 0, rpcErr(ctx, "getSlot on reference "+s.cfg.Reference, err)
	}
	if refSlot <= slot {
		return 0, nil
	}
	lag := refSlot - slot
	if s.cfg.MaxSlotLag > 0 && lag > s.cfg.MaxSlotLag {
		return lag, fmt.Errorf("slot %d lags reference slot %d by %d (max_slot_lag %d)", slot, refSlot, lag, s.cfg.MaxSlotLag)
	}
	return lag, nil
}

func (s *solanaChecker) programOK(ctx context.Context) error {
	acc, err := s.node.GetAccountInfo(ctx, s.program)
	if errors.Is(err, rpc.ErrNotFound) {
		return fmt.Errorf("program %s not deployed: deploy it or fix solana.program", s.program)
	}
	if err != nil {
		return rpcErr(ctx, "getAccountInfo "+s.program.String(), err)
	}
	if acc.Value == nil || !acc.Value.Executable {
		return fmt.Errorf("program %s is an account but not executable: it is not a deployed program", s.program)
	}
	return nil
}

// rpcErr turns solana-go errors (whose RPCError prints as a struct dump)
// into one line.
func rpcErr(ctx context.Context, what string, err error) error {
	var re *jsonrpc.RPCError
	if errors.As(err, &re) {
		return fmt.Errorf("%s: rpc error %d: %s", what, re.Code, strings.TrimSpace(re.Message))
	}
	return errTimeout(ctx, what, err)
}
