package solanasim

import (
	"log/slog"
	"time"

	"github.com/gagliardetto/solana-go"
)

// DefaultProgramID is the program account preloaded when Options.ProgramID is
// zero: sha256("vigil/solanasim/program") read as a public key.
const DefaultProgramID = "3FyJyFP6UbQbBWEPNnS8CarV48vW5C5oAg8nTt9nsBFM"

// DefaultSlotInterval is how often the slot advances when
// Options.SlotInterval is zero; it matches mainnet's ~400 ms slots.
const DefaultSlotInterval = 400 * time.Millisecond

// DefaultBehindSlots is the lag reported in ModeBehind when the caller does
// not give one. It is above agave's 128-slot unhealthy threshold.
const DefaultBehindSlots = 150

// DefaultSlowDelay is the delay added to every answer in ModeSlow when the
// caller does not give one.
const DefaultSlowDelay = 2 * time.Second

// MaxSlowDelay bounds the delay of ModeSlow so a forgotten slow mode cannot
// hang a test run; longer delays are rejected.
const MaxSlowDelay = 60 * time.Second

// Options configures a Sim. The zero value is usable: every field has a
// documented default.
type Options struct {
	// ProgramID is the address of the preloaded executable upgradeable
	// program account. Default: DefaultProgramID.
	ProgramID solana.PublicKey
	// SlotInterval is the period at which Run advances the slot.
	// Default: DefaultSlotInterval.
	SlotInterval time.Duration
	// Logger receives one debug line per RPC call and an info line per mode
	// change. Default: discard.
	Logger *slog.Logger
	// Seed derives the genesis hash, blockhashes, the node identity, vote
	// account and faucet keys, so two runs with one seed answer alike.
	// Default 0.
	Seed uint64
	// ConfirmedLag is how many slots confirmed reads trail the working
	// (processed) slot, at least 1. Default: DefaultConfirmedLag.
	ConfirmedLag uint64
	// FinalizedLag is how many slots the root (finalized) trails the
	// working slot, at least ConfirmedLag. Default: DefaultFinalizedLag.
	FinalizedLag uint64
	// HistorySlots is how many recent blocks (and their transactions) are
	// kept for getBlock, getTransaction and getSignaturesForAddress, at
	// least 300. Default: DefaultHistorySlots.
	HistorySlots int
	// HistoryTransactions caps the transactions kept; the oldest blocks
	// are dropped first. Default: DefaultHistoryTransactions.
	HistoryTransactions int
	// PubSubQueue is how many messages one websocket connection may have
	// waiting to be written before it is dropped as a slow subscriber.
	// Default: DefaultPubSubQueue.
	PubSubQueue int
	// Now is the clock block times are read from. Default: time.Now.
	Now func() time.Time
	// RPCAddr is the host:port getClusterNodes reports as this node's rpc
	// address (pubsub: its port + 1). Default "": both null.
	RPCAddr string
}

// DefaultConfirmedLag: confirmed reads see the last frozen slot, one
// behind processed (a single-voter test validator confirms at once).
const DefaultConfirmedLag = 1

// DefaultFinalizedLag: the root trails by 32 slots, agave's tower depth
// (MAX_LOCKOUT_HISTORY 31 + 1).
const DefaultFinalizedLag = 32

// DefaultPubSubQueue bounds a websocket connection's outgoing queue.
const DefaultPubSubQueue = 1024

func (o Options) withDefaults() Options {
	if o.ProgramID.IsZero() {
		o.ProgramID = solana.MustPublicKeyFromBase58(DefaultProgramID)
	}
	if o.SlotInterval <= 0 {
		o.SlotInterval = DefaultSlotInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ConfirmedLag == 0 {
		o.ConfirmedLag = DefaultConfirmedLag
	}
	if o.FinalizedLag == 0 {
		o.FinalizedLag = DefaultFinalizedLag
	}
	o.FinalizedLag = max(o.FinalizedLag, o.ConfirmedLag)
	if o.HistorySlots == 0 {
		o.HistorySlots = DefaultHistorySlots
	}
	if o.HistoryTransactions == 0 {
		o.HistoryTransactions = DefaultHistoryTransactions
	}
	if o.PubSubQueue <= 0 {
		o.PubSubQueue = DefaultPubSubQueue
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
