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
}

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
	return o
}
