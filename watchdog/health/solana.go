package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mr-tron/base58"

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
	node    *solanaRPC
	ref     *solanaRPC // nil without Reference
	program string     // base58 program id; "" for no program check
	now     func() time.Time
	closers []*http.Client
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
		if b, err := base58.Decode(cfg.Program); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("solana.program %q is not a base58 public key (32 bytes): copy the program id as the explorer shows it", cfg.Program)
		}
		s.program = cfg.Program
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

// client builds an RPC client on the checks' own http.Client, which keeps
// no idle connections.
func (s *solanaChecker) client(url string) *solanaRPC {
	hc := newHTTPClient(false)
	s.closers = append(s.closers, hc)
	return &solanaRPC{url: url, client: hc}
}

// Close releases the RPC clients' connections.
func (s *solanaChecker) Close() error {
	for _, c := range s.closers {
		c.CloseIdleConnections()
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
	slot, err := s.node.slot(ctx)
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
	if s.program != "" {
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
	var out string
	err := s.node.call(ctx, "getHealth", nil, &out)
	if err == nil {
		if out != "ok" {
			return fmt.Errorf("getHealth answered %q, want \"ok\"", out)
		}
		return nil
	}
	var re *rpcError
	if !errors.As(err, &re) || re.Code != codeNodeUnhealthy {
		return rpcErr(ctx, "getHealth", err)
	}
	if n, ok := slotsBehind(re.Data); ok {
		return errBehind{slots: n}
	}
	return fmt.Errorf("node health unknown (getHealth -32005 %q, numSlotsBehind null): the node cannot tell how far behind it is", re.Message)
}

// slotsBehind extracts data.numSlotsBehind; ok is false when absent or null.
func slotsBehind(data json.RawMessage) (int64, bool) {
	var d struct {
		NumSlotsBehind *int64 `json:"numSlotsBehind"`
	}
	if json.Unmarshal(data, &d) != nil || d.NumSlotsBehind == nil {
		return 0, false
	}
	return *d.NumSlotsBehind, true
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
	refSlot, err := s.ref.slot(ctx)
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
	acc, err := s.node.accountInfo(ctx, s.program)
	if err != nil {
		return rpcErr(ctx, "getAccountInfo "+s.program, err)
	}
	if acc == nil {
		return fmt.Errorf("program %s not deployed: deploy it or fix solana.program", s.program)
	}
	if !acc.Executable {
		return fmt.Errorf("program %s is an account but not executable: it is not a deployed program", s.program)
	}
	return nil
}

// rpcErr says which call failed: a JSON-RPC error as its code and
// message, anything else as a timeout or transport error.
func rpcErr(ctx context.Context, what string, err error) error {
	var re *rpcError
	if errors.As(err, &re) {
		return fmt.Errorf("%s: rpc error %d: %s", what, re.Code, strings.TrimSpace(re.Message))
	}
	return errTimeout(ctx, what, err)
}
