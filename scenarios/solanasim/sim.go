package solanasim

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
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

// Sim is one simulated validator: ledger, program account, PubSub
// subscriptions and health mode. Create it with New, serve Handler (RPC)
// and PubSubHandler (websocket), and call Run to make slots pass. All
// methods are safe for concurrent use. Sim owns no goroutine outside Run
// and the handlers' own requests.
type Sim struct {
	opts    Options
	log     *slog.Logger
	ledger  *ledger
	program programAccount
	keys    nodeKeys
	methods map[string]method
	pubsub  *hub
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
		program: newProgramAccount(opts.ProgramID),
		keys:    deriveKeys(opts.Seed),
	}
	c := chain{
		seed: opts.Seed, genesis: s.keys.genesis,
		confirmedLag: opts.ConfirmedLag, finalizedLag: opts.FinalizedLag,
	}
	s.ledger = newLedger(c, opts, map[solana.PublicKey]accountState{
		s.program.id:              s.program.state(),
		s.keys.faucet.PublicKey(): {lamports: faucetLamports, owner: solana.SystemProgramID},
	})
	s.pubsub = newHub(s.ledger, opts.PubSubQueue, opts.Logger)
	s.pubsub.condition = s.Condition
	s.methods = s.rpcMethods()
	return s
}

// rpcMethods is the method table: every simulated JSON-RPC method.
func (s *Sim) rpcMethods() map[string]method {
	return map[string]method{
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
		"getGenesisHash":                    s.getGenesisHash,
		"getIdentity":                       s.getIdentity,
		"getClusterNodes":                   s.getClusterNodes,
		"getVoteAccounts":                   s.getVoteAccounts,
		"getTransactionCount":               s.getTransactionCount,
		"getEpochSchedule":                  s.getEpochSchedule,
		"getSlotLeader":                     s.getSlotLeader,
		"minimumLedgerSlot":                 s.getFirstAvailableBlock,
		"getFirstAvailableBlock":            s.getFirstAvailableBlock,
		"getMultipleAccounts":               s.getMultipleAccounts,
		"getProgramAccounts":                s.getProgramAccounts,
		"getTransaction":                    s.getTransaction,
		"getSignaturesForAddress":           s.getSignaturesForAddress,
		"getBlock":                          s.getBlock,
		"getBlocks":                         s.getBlocks,
		"getBlocksWithLimit":                s.getBlocksWithLimit,
		"getBlockTime":                      s.getBlockTime,
		"getFeeForMessage":                  s.getFeeForMessage,
		"isBlockhashValid":                  s.isBlockhashValid,
		"getRecentPrioritizationFees":       s.getRecentPrioritizationFees,
		"simulateTransaction":               s.simulateTransaction,
	}
}

// nodeKeys are the seed-derived identities of the simulated node.
type nodeKeys struct {
	genesis  solana.Hash
	identity solana.PrivateKey
	vote     solana.PublicKey
	faucet   solana.PrivateKey
}

func deriveKeys(seed uint64) nodeKeys {
	derive := func(what string) [32]byte {
		b := binary.LittleEndian.AppendUint64([]byte("solanasim/"+what+"/"), seed)
		return sha256.Sum256(b)
	}
	key := func(what string) solana.PrivateKey {
		d := derive(what)
		return solana.PrivateKey(ed25519.NewKeyFromSeed(d[:]))
	}
	return nodeKeys{
		genesis:  solana.Hash(derive("genesis")),
		identity: key("identity"),
		vote:     key("vote").PublicKey(),
		faucet:   key("faucet"),
	}
}

// ErrAlreadyRunning is returned by Run when another Run of the same Sim has
// not returned yet.
var ErrAlreadyRunning = errors.New("solanasim: Run called twice: one Sim has one slot clock")

// Run advances the slot every Options.SlotInterval (except in ModeStalled)
// and sends PubSub notifications for it, until ctx is done. It then closes
// every PubSub connection, waits for their handlers to return and returns
// nil. It starts no goroutine of its own; notifying never blocks it (a
// subscriber whose queue is full is dropped).
func (s *Sim) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer s.running.Store(false)
	s.pubsub.open()
	defer s.pubsub.closeAll()
	ticker := time.NewTicker(s.opts.SlotInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if ev := s.ledger.tick(s.Condition().Mode != ModeStalled); ev != nil {
				s.pubsub.publish(ev)
			}
		}
	}
}

// Slot returns the working (processed) slot.
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
	if c.Mode == ModePubSubDown {
		// Set first, then drop: a client reconnecting at once is refused.
		n := s.pubsub.dropAll()
		s.log.Info("solanasim pubsub down: dropped every websocket", "connections", n)
	}
	s.log.Info("solanasim mode changed", "mode", c.Mode.String(), "behind_slots", c.BehindSlots, "delay", c.Delay)
	return c, nil
}
