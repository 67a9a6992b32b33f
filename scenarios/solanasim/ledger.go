package solanasim

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/gagliardetto/solana-go"
)

const (
	// slotsInEpoch is mainnet's epoch length.
	slotsInEpoch = 432_000
	// blockhashValidity is how many blocks a blockhash stays usable, as
	// lastValidBlockHeight = blockHeight + 150 on a real cluster.
	blockhashValidity = 150
	// lamportsPerSignature is the base fee charged to the fee payer.
	lamportsPerSignature = 5_000
)

// preflightError is a transaction the simulated bank refuses, reported as
// -32002 like a validator's preflight simulation: msg is agave's text and
// reason its TransactionError as JSON.
type preflightError struct {
	msg    string
	reason any
}

func (e *preflightError) Error() string { return e.msg }

func errBlockhashNotFound() error {
	return &preflightError{"Blockhash not found", "BlockhashNotFound"}
}

func errAlreadyProcessed() error {
	return &preflightError{"This transaction has already been processed", "AlreadyProcessed"}
}

func errNoCredit() error {
	return &preflightError{"Attempt to debit an account but found no record of a prior credit.", "AccountNotFound"}
}

// errInsufficientFunds is the system program's custom error 1
// (ResultWithNegativeLamports) at instruction i.
func errInsufficientFunds(i int) error {
	return &preflightError{
		fmt.Sprintf("Error processing Instruction %d: custom program error: 0x1", i),
		map[string]any{"InstructionError": []any{i, map[string]any{"Custom": 1}}},
	}
}

// transfer is one lamport movement of a system Transfer instruction.
type transfer struct {
	index    int // instruction index, for error messages
	from, to solana.PublicKey
	lamports uint64
}

// ledger is the simulator's whole chain state. One mutex guards it.
type ledger struct {
	mu         sync.Mutex
	slot       uint64
	ticked     chan struct{} // closed and replaced on every tick, stalled or not
	balances   map[solana.PublicKey]uint64
	signatures map[solana.Signature]uint64 // signature -> slot it landed in
	airdrops   uint64
}

func newLedger() *ledger {
	return &ledger{
		slot:       1,
		ticked:     make(chan struct{}),
		balances:   make(map[solana.PublicKey]uint64),
		signatures: make(map[solana.Signature]uint64),
	}
}

// tick is one slot interval passing; the slot moves only if advance.
func (l *ledger) tick(advance bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if advance {
		l.slot++
	}
	close(l.ticked)
	l.ticked = make(chan struct{})
}

// nextTick returns a channel closed at the next tick.
func (l *ledger) nextTick() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ticked
}

// snapshot returns the current slot and transaction count.
func (l *ledger) snapshot() (slot, txCount uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slot, uint64(len(l.signatures))
}

func (l *ledger) balance(pk solana.PublicKey) (lamports, slot uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.balances[pk], l.slot
}

// airdrop credits pk and records a finalized signature derived from the
// airdrop's sequence number, so signatures are unique and reproducible.
func (l *ledger) airdrop(pk solana.PublicKey, lamports uint64) solana.Signature {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.airdrops++
	var seed [48]byte
	copy(seed[:32], pk[:])
	binary.LittleEndian.PutUint64(seed[32:], l.airdrops)
	binary.LittleEndian.PutUint64(seed[40:], lamports)
	sig := solana.Signature(sha512.Sum512(seed[:]))
	l.balances[pk] += lamports
	l.signatures[sig] = l.slot
	return sig
}

// status returns the slot a signature landed in.
func (l *ledger) status(sig solana.Signature) (slot uint64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot, ok = l.signatures[sig]
	return slot, ok
}

// apply lands a verified transaction atomically: fee, then transfers in
// order; on any failure nothing changes.
func (l *ledger) apply(sig solana.Signature, recent solana.Hash, payer solana.PublicKey, fee uint64, transfers []transfer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.recentLocked(recent) {
		return errBlockhashNotFound()
	}
	if _, dup := l.signatures[sig]; dup {
		return errAlreadyProcessed()
	}
	next := map[solana.PublicKey]uint64{}
	get := func(pk solana.PublicKey) uint64 {
		if v, ok := next[pk]; ok {
			return v
		}
		return l.balances[pk]
	}
	if get(payer) < fee {
		return errNoCredit()
	}
	next[payer] = get(payer) - fee
	for _, t := range transfers {
		if get(t.from) < t.lamports {
			return errInsufficientFunds(t.index)
		}
		next[t.from] = get(t.from) - t.lamports
		next[t.to] = get(t.to) + t.lamports
	}
	for pk, v := range next {
		l.balances[pk] = v
	}
	l.signatures[sig] = l.slot
	return nil
}

// recentLocked reports whether h is the blockhash of one of the last
// blockhashValidity slots.
func (l *ledger) recentLocked(h solana.Hash) bool {
	for back := uint64(0); back <= blockhashValidity && back <= l.slot; back++ {
		if blockhashAt(l.slot-back) == h {
			return true
		}
	}
	return false
}

// blockhashAt derives the blockhash of a slot; deterministic so nothing has
// to be stored and runs are reproducible.
func blockhashAt(slot uint64) solana.Hash {
	b := binary.LittleEndian.AppendUint64([]byte("solanasim/blockhash/"), slot)
	return solana.Hash(sha256.Sum256(b))
}
