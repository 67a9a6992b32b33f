package solanasim

import (
	"github.com/gagliardetto/solana-go"
)

// Defaults of the capped history (see Options).
const (
	// DefaultHistorySlots is how many recent blocks are kept: 4096 slots,
	// about 27 minutes at 400 ms.
	DefaultHistorySlots = 4096
	// DefaultHistoryTransactions caps the transactions kept across those
	// blocks; the oldest blocks go first when it is exceeded.
	DefaultHistoryTransactions = 50_000
	// minHistorySlots keeps at least every block a blockhash can still be
	// valid in, so duplicate detection keeps working.
	minHistorySlots = 2 * blockhashValidity
)

// txRecord is one landed (or simulated) transaction with its status meta.
// It is immutable once built, so notifications can share it.
type txRecord struct {
	sig       solana.Signature
	slot      uint64
	blockTime int64
	wire      []byte
	tx        *solana.Transaction
	fee       uint64
	pre, post []uint64
	logs      []string
	units     uint64
	price     uint64 // compute-unit price in micro-lamports
	writable  []solana.PublicKey
	err       any // TransactionError as JSON; nil on success
}

// mentions reports whether pk is one of the transaction's account keys.
func (r *txRecord) mentions(pk solana.PublicKey) bool {
	for _, k := range r.tx.Message.AccountKeys {
		if k == pk {
			return true
		}
	}
	return false
}

// versioned reports whether the transaction is a v0 message.
func (r *txRecord) versioned() bool { return r.tx.Message.IsVersioned() }

// block is one slot's block. txs only grows while the slot is the working
// slot; it is not changed once the slot is frozen.
type block struct {
	slot, parent   uint64
	hash, prevHash solana.Hash
	time           int64
	txs            []*txRecord
}

// history keeps the last maxSlots blocks and at most maxTxs transactions,
// dropping whole blocks from the oldest end.
type history struct {
	blocks   map[uint64]*block
	txs      map[solana.Signature]*txRecord
	first    uint64 // oldest block kept
	last     uint64
	maxSlots uint64
	maxTxs   int
}

func newHistory(maxSlots, maxTxs int) history {
	return history{
		blocks:   make(map[uint64]*block),
		txs:      make(map[solana.Signature]*txRecord),
		maxSlots: uint64(max(maxSlots, minHistorySlots)),
		maxTxs:   max(maxTxs, 1),
	}
}

func (h *history) add(b *block) {
	h.blocks[b.slot] = b
	h.last = b.slot
}

func (h *history) addTx(r *txRecord) {
	b := h.blocks[r.slot]
	b.txs = append(b.txs, r)
	h.txs[r.sig] = r
}

// evict drops the oldest blocks until both caps hold; the working slot
// stays.
func (h *history) evict(working uint64) {
	for h.first < working && (h.last-h.first+1 > h.maxSlots || len(h.txs) > h.maxTxs) {
		if b := h.blocks[h.first]; b != nil {
			for _, r := range b.txs {
				delete(h.txs, r.sig)
			}
			delete(h.blocks, h.first)
		}
		h.first++
	}
}

// keyedAccount is an account with its address.
type keyedAccount struct {
	pubkey solana.PublicKey
	state  accountState
}

// frozenSlot is one slot that just reached a commitment level: its
// transactions and the accounts they wrote, as of the end of that slot.
type frozenSlot struct {
	slot     uint64
	txs      []*txRecord
	accounts []keyedAccount
}

// slotEvent is what one slot tick tells subscribers: the new working slot
// and, per commitment level, the slot that reached it (nil when none did).
type slotEvent struct {
	slot, parent, root uint64
	rootMoved          bool
	reached            [3]*frozenSlot
}
