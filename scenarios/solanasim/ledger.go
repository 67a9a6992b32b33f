package solanasim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
)

const (
	// slotsInEpoch is mainnet's epoch length.
	slotsInEpoch = 432_000
	// blockhashValidity is how many blocks a blockhash stays usable
	// (agave's MAX_PROCESSING_AGE): lastValidBlockHeight = blockHeight + 150.
	blockhashValidity = 150
	// lamportsPerSignature is the base fee charged to the fee payer.
	lamportsPerSignature = 5_000
	// faucetLamports is what the faucet account holds at genesis: 500M SOL.
	faucetLamports = 500_000_000 * solana.LAMPORTS_PER_SOL
)

// accountState is one account's content at some slot. Zero lamports means
// the account does not exist, as on a validator.
type accountState struct {
	lamports   uint64
	owner      solana.PublicKey
	data       []byte
	executable bool
}

// version is an account's state from slot on.
type version struct {
	slot  uint64
	state accountState
}

// ledger is the simulator's whole chain state: the working slot, account
// versions back to the root, and the capped block/transaction history. One
// mutex guards it; records handed out (blocks, txRecords) are immutable.
type ledger struct {
	mu       sync.Mutex
	chain    chain
	now      func() time.Time
	slot     uint64        // working slot: processed reads see it
	ticked   chan struct{} // closed and replaced on every tick, stalled or not
	accounts map[solana.PublicKey][]version
	hist     history
	txCount  uint64
}

// chain holds what New derives from Options and never changes.
type chain struct {
	seed         uint64
	genesis      solana.Hash
	confirmedLag uint64
	finalizedLag uint64
}

// blockhashAt derives the blockhash of a slot from the seed; slot 0's is the
// genesis hash, as on a validator. Nothing has to be stored and runs with the
// same seed reproduce.
func (c chain) blockhashAt(slot uint64) solana.Hash {
	if slot == 0 {
		return c.genesis
	}
	b := binary.LittleEndian.AppendUint64([]byte("solanasim/blockhash/"), c.seed)
	b = binary.LittleEndian.AppendUint64(b, slot)
	return solana.Hash(sha256.Sum256(b))
}

func newLedger(c chain, opts Options, preload map[solana.PublicKey]accountState) *ledger {
	l := &ledger{
		chain:    c,
		now:      opts.Now,
		slot:     1,
		ticked:   make(chan struct{}),
		accounts: make(map[solana.PublicKey][]version),
		hist:     newHistory(opts.HistorySlots, opts.HistoryTransactions),
	}
	for pk, st := range preload {
		l.accounts[pk] = []version{{slot: 0, state: st}}
	}
	t := l.now().Unix()
	l.hist.add(&block{slot: 0, parent: 0, hash: c.genesis, prevHash: c.genesis, time: t})
	l.hist.add(l.newBlockLocked(1, 0))
	return l
}

func (l *ledger) newBlockLocked(slot, parent uint64) *block {
	return &block{
		slot: slot, parent: parent, time: l.now().Unix(),
		hash: l.chain.blockhashAt(slot), prevHash: l.chain.blockhashAt(parent),
	}
}

// lag is how far behind the working slot reads at c look.
func (l *ledger) lag(c commitment) uint64 {
	switch c {
	case commitConfirmed:
		return l.chain.confirmedLag
	case commitFinalized:
		return l.chain.finalizedLag
	}
	return 0
}

// slotAtLocked is the slot reads at commitment c see.
func (l *ledger) slotAtLocked(c commitment) uint64 {
	return l.slot - min(l.slot, l.lag(c))
}

// slotAt returns the slot reads at commitment c see.
func (l *ledger) slotAt(c commitment) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slotAtLocked(c)
}

// notifiedLocked is the newest slot whose notifications at c have been
// sent: processed ones go out when a slot is frozen, one tick after it began.
func (l *ledger) notifiedLocked(c commitment) uint64 {
	return l.slot - min(l.slot, max(1, l.lag(c)))
}

// tick is one slot interval passing; the slot moves only if advance. It
// returns what subscribers must hear about, or nil when nothing moved.
func (l *ledger) tick(advance bool) *slotEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.ticked)
	l.ticked = make(chan struct{})
	if !advance {
		return nil
	}
	before := [3]uint64{}
	for c := range before {
		before[c] = l.notifiedLocked(commitment(c))
	}
	l.slot++
	l.hist.add(l.newBlockLocked(l.slot, l.slot-1))
	l.hist.evict(l.slot)
	ev := &slotEvent{slot: l.slot, parent: l.slot - 1, root: l.slotAtLocked(commitFinalized)}
	for c := range before {
		if now := l.notifiedLocked(commitment(c)); now > before[c] {
			ev.reached[c] = l.frozenLocked(now)
		}
	}
	ev.rootMoved = ev.reached[commitFinalized] != nil
	return ev
}

// frozenLocked gathers a slot's transactions and the accounts they wrote,
// with their state at the end of that slot.
func (l *ledger) frozenLocked(slot uint64) *frozenSlot {
	f := &frozenSlot{slot: slot}
	b := l.hist.blocks[slot]
	if b == nil {
		return f
	}
	f.txs = b.txs
	seen := map[solana.PublicKey]bool{}
	for _, tx := range b.txs {
		for _, pk := range tx.writable {
			if !seen[pk] {
				seen[pk] = true
				f.accounts = append(f.accounts, keyedAccount{pk, l.stateAtLocked(pk, slot)})
			}
		}
	}
	return f
}

// nextTick returns a channel closed at the next tick.
func (l *ledger) nextTick() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ticked
}

// snapshot returns the working slot and transaction count.
func (l *ledger) snapshot() (slot, txCount uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slot, l.txCount
}

// stateAtLocked is pk's state as of slot.
func (l *ledger) stateAtLocked(pk solana.PublicKey, slot uint64) accountState {
	vs := l.accounts[pk]
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].slot <= slot {
			return vs[i].state
		}
	}
	return accountState{}
}

// account returns pk's state at commitment c and the slot read.
func (l *ledger) account(pk solana.PublicKey, c commitment) (accountState, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot := l.slotAtLocked(c)
	return l.stateAtLocked(pk, slot), slot
}

// accounts returns the states of pks at commitment c and the slot read.
func (l *ledger) accountsAt(pks []solana.PublicKey, c commitment) ([]accountState, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot := l.slotAtLocked(c)
	out := make([]accountState, len(pks))
	for i, pk := range pks {
		out[i] = l.stateAtLocked(pk, slot)
	}
	return out, slot
}

// programAccounts returns every existing account owned by program at c.
func (l *ledger) programAccounts(program solana.PublicKey, c commitment) ([]keyedAccount, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot := l.slotAtLocked(c)
	var out []keyedAccount
	for pk := range l.accounts {
		st := l.stateAtLocked(pk, slot)
		if st.lamports > 0 && st.owner == program {
			out = append(out, keyedAccount{pk, st})
		}
	}
	return out, slot
}

// writeLocked stores pk's new state in the working slot and forgets
// versions no commitment level can read any more.
func (l *ledger) writeLocked(pk solana.PublicKey, st accountState) {
	vs := l.accounts[pk]
	if n := len(vs); n > 0 && vs[n-1].slot == l.slot {
		vs[n-1].state = st
	} else {
		vs = append(vs, version{slot: l.slot, state: st})
	}
	root := l.slotAtLocked(commitFinalized)
	for len(vs) > 1 && vs[1].slot <= root {
		vs = vs[1:]
	}
	l.accounts[pk] = vs
}

// blockhashValidLocked reports whether h is the blockhash of one of the
// last blockhashValidity+1 slots up to slot, and the slot it belongs to.
func (l *ledger) blockhashValidLocked(h solana.Hash, slot uint64) (uint64, bool) {
	for back := uint64(0); back <= blockhashValidity && back <= slot; back++ {
		if l.chain.blockhashAt(slot-back) == h {
			return slot - back, true
		}
	}
	return 0, false
}

// blockhashValid reports whether h can still be used at commitment c.
func (l *ledger) blockhashValid(h solana.Hash, c commitment) (valid bool, slot uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot = l.slotAtLocked(c)
	_, valid = l.blockhashValidLocked(h, slot)
	return valid, slot
}

// preflightError is a transaction the simulated bank refuses, reported as
// -32002 like a validator's preflight simulation: msg is agave's text and
// reason its TransactionError as JSON; logs are what ran before it failed.
type preflightError struct {
	msg    string
	reason any
	logs   []string
	units  uint64
	detail string // the instruction error's text, for the program's "failed" log line
}

func (e *preflightError) Error() string { return e.msg }

func errBlockhashNotFound() *preflightError {
	return &preflightError{msg: "Blockhash not found", reason: "BlockhashNotFound"}
}

func errAlreadyProcessed() *preflightError {
	return &preflightError{msg: "This transaction has already been processed", reason: "AlreadyProcessed"}
}

func errNoCredit() *preflightError {
	return &preflightError{msg: "Attempt to debit an account but found no record of a prior credit.", reason: "AccountNotFound"}
}

func errFeeUnpaid() *preflightError {
	return &preflightError{msg: "Insufficient funds for fee", reason: "InsufficientFundsForFee"}
}

// errInstruction is instruction i failing with agave's text and error.
func errInstruction(i int, text string, ierr any) *preflightError {
	return &preflightError{
		msg:    fmt.Sprintf("Error processing Instruction %d: %s", i, text),
		reason: map[string]any{"InstructionError": []any{i, ierr}},
		detail: text,
	}
}
