package solanasim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
)

// method is one simulated JSON-RPC method.
type method func(params json.RawMessage) (any, *rpcError)

// Sim is one simulated validator: ledger, program account and health mode.
// Create it with New, serve Handler, and call Run to make slots pass. All
// methods are safe for concurrent use. Sim owns no goroutine outside Run.
type Sim struct {
	opts    Options
	log     *slog.Logger
	ledger  *ledger
	program programAccount
	methods map[string]method
	running atomic.Bool

	condMu sync.Mutex
	cond   Condition
}

// New builds a healthy simulator at slot 1 with the program account of
// opts.ProgramID preloaded. It starts nothing; call Run.
func New(opts Options) *Sim {
	opts = opts.withDefaults()
	s := &Sim{
		opts:    opts,
		log:     opts.Logger,
		ledger:  newLedger(),
		program: newProgramAccount(opts.ProgramID),
	}
	s.methods = map[string]method{
		"getHealth":                         s.getHealth,
		"getVersion":                        s.getVersion,
		"getSlot":                           s.getSlot,
		"getBlockHeight":                    s.getBlockHeight,
		"getEpochInfo":                      s.getEpochInfo,
		"getLatestBlockhash":                s.getLatestBlockhash,
		"getMinimumBalanceForRentExemption": s.getMinimumBalanceForRentExemption,
		"getAccountInfo":                    s.getAccountInfo,
		"getBalance":                        s.getBalance,
		"requestAirdrop":                    s.requestAirdrop,
		"getSignatureStatuses":              s.getSignatureStatuses,
		"sendTransaction":                   s.sendTransaction,
	}
	return s
}

// ErrAlreadyRunning is returned by Run when another Run of the same Sim has
// not returned yet.
var ErrAlreadyRunning = errors.New("solanasim: Run called twice: one Sim has one slot clock")

// Run advances the slot every Options.SlotInterval (except in ModeStalled)
// until ctx is done, then returns nil. It starts no goroutine of its own.
func (s *Sim) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer s.running.Store(false)
	ticker := time.NewTicker(s.opts.SlotInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			s.ledger.tick(s.Condition().Mode != ModeStalled)
		}
	}
}

// Slot returns the current slot.
func (s *Sim) Slot() uint64 {
	slot, _ := s.ledger.snapshot()
	return slot
}

// ProgramID returns the address of the preloaded program account.
func (s *Sim) ProgramID() solana.PublicKey { return s.opts.ProgramID }

// Condition returns the health setting in effect.
func (s *Sim) Condition() Condition {
	s.condMu.Lock()
	defer s.condMu.Unlock()
	return s.cond
}

// SetCondition switches the health setting, filling defaults for the
// mode's knobs, and returns what is now in effect.
func (s *Sim) SetCondition(c Condition) (Condition, error) {
	if err := c.Validate(); err != nil {
		return s.Condition(), err
	}
	c = c.withDefaults()
	s.condMu.Lock()
	s.cond = c
	s.condMu.Unlock()
	s.log.Info("solanasim mode changed", "mode", c.Mode.String(), "behind_slots", c.BehindSlots, "delay", c.Delay)
	return c, nil
}
