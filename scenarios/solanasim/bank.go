package solanasim

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
)

const (
	// unitsPerBuiltin is what the system and compute-budget programs cost
	// per instruction (agave's DEFAULT_COMPUTE_UNITS for builtins).
	unitsPerBuiltin = 150
	// defaultUnitLimit is the compute-unit limit per instruction when no
	// SetComputeUnitLimit is given; maxUnitLimit caps a transaction.
	defaultUnitLimit = 200_000
	maxUnitLimit     = 1_400_000
)

// computeBudget is what a transaction's ComputeBudget instructions ask for.
type computeBudget struct {
	limit uint64 // compute units
	price uint64 // micro-lamports per compute unit
}

// readComputeBudget reads SetComputeUnitLimit (tag 2, u32) and
// SetComputeUnitPrice (tag 3, u64) as agave does for fees.
func readComputeBudget(msg *solana.Message) computeBudget {
	var b computeBudget
	others := uint64(0)
	limitSet := false
	for _, inst := range msg.Instructions {
		program, err := msg.Program(inst.ProgramIDIndex)
		if err != nil || program != solana.ComputeBudget {
			others++
			continue
		}
		d := inst.Data
		switch {
		case len(d) == 5 && d[0] == 2:
			b.limit, limitSet = uint64(binary.LittleEndian.Uint32(d[1:])), true
		case len(d) == 9 && d[0] == 3:
			b.price = binary.LittleEndian.Uint64(d[1:])
		}
	}
	if !limitSet {
		b.limit = others * defaultUnitLimit
	}
	b.limit = min(b.limit, maxUnitLimit)
	return b
}

// fee is agave's fee: 5000 lamports a signature plus the priority fee,
// price × limit rounded up to whole lamports.
func (b computeBudget) fee(signatures int) uint64 {
	return lamportsPerSignature*uint64(signatures) + (b.price*b.limit+999_999)/1_000_000
}

// execution is a transaction run against the working slot's state.
type execution struct {
	l     *ledger
	msg   *solana.Message
	next  map[solana.PublicKey]accountState
	logs  []string
	units uint64
}

func (x *execution) get(pk solana.PublicKey) accountState {
	if st, ok := x.next[pk]; ok {
		return st
	}
	return x.l.stateAtLocked(pk, x.l.slot)
}

// executeLocked runs tx at the working slot: blockhash, duplicate and fee
// checks, then each instruction. Only system transfers move lamports; other
// programs are invoked and do nothing. On success it returns the record and
// the new states, which the caller commits or (simulation) discards.
func (l *ledger) executeLocked(tx *solana.Transaction, sig solana.Signature) (*txRecord, map[solana.PublicKey]accountState, error) {
	msg := &tx.Message
	if _, ok := l.blockhashValidLocked(msg.RecentBlockhash, l.slot); !ok {
		return nil, nil, errBlockhashNotFound()
	}
	if _, dup := l.hist.txs[sig]; dup {
		return nil, nil, errAlreadyProcessed()
	}
	budget := readComputeBudget(msg)
	x := &execution{l: l, msg: msg, next: map[solana.PublicKey]accountState{}}
	payer := msg.AccountKeys[0]
	fee := budget.fee(len(tx.Signatures))
	pre := x.balances()
	st := x.get(payer)
	switch {
	case st.lamports == 0:
		return nil, nil, errNoCredit()
	case st.lamports < fee:
		return nil, nil, errFeeUnpaid()
	}
	st.lamports -= fee
	x.next[payer] = st
	for i, inst := range msg.Instructions {
		if err := x.instruction(i, inst); err != nil {
			err.logs, err.units = x.logs, x.units
			return nil, nil, err
		}
	}
	r := &txRecord{
		sig: sig, slot: l.slot, tx: tx, fee: fee, pre: pre, post: x.balances(),
		logs: x.logs, units: x.units, price: budget.price,
	}
	for _, pk := range msg.AccountKeys {
		if w, _ := msg.IsWritable(pk); w {
			r.writable = append(r.writable, pk)
		}
	}
	return r, x.next, nil
}

// balances lists the lamports of every account key, in message order.
func (x *execution) balances() []uint64 {
	out := make([]uint64, len(x.msg.AccountKeys))
	for i, pk := range x.msg.AccountKeys {
		out[i] = x.get(pk).lamports
	}
	return out
}

// instruction runs instruction i, logging like agave's builtins.
func (x *execution) instruction(i int, inst solana.CompiledInstruction) *preflightError {
	program, err := x.msg.Program(inst.ProgramIDIndex)
	if err != nil {
		return errInstruction(i, "invalid program id index", "InvalidAccountData")
	}
	x.logs = append(x.logs, fmt.Sprintf("Program %s invoke [1]", program))
	switch program {
	case solana.SystemProgramID:
		if perr := x.system(i, inst); perr != nil {
			x.logs = append(x.logs, fmt.Sprintf("Program %s failed: %s", program, perr.detail))
			return perr
		}
		x.units += unitsPerBuiltin
	case solana.ComputeBudget:
		x.units += unitsPerBuiltin
	}
	x.logs = append(x.logs, fmt.Sprintf("Program %s success", program))
	return nil
}

// system runs a system-program instruction; only Transfer does anything.
func (x *execution) system(i int, inst solana.CompiledInstruction) *preflightError {
	accounts, err := inst.ResolveInstructionAccounts(x.msg)
	if err != nil {
		return errInstruction(i, "insufficient account keys for instruction", "NotEnoughAccountKeys")
	}
	decoded, err := system.DecodeInstruction(accounts, inst.Data)
	if err != nil {
		return errInstruction(i, "invalid instruction data", "InvalidInstructionData")
	}
	t, ok := decoded.Impl.(*system.Transfer)
	if !ok || t.Lamports == nil {
		return nil
	}
	from, to := t.GetFundingAccount(), t.GetRecipientAccount()
	if from == nil || to == nil {
		return errInstruction(i, "insufficient account keys for instruction", "NotEnoughAccountKeys")
	}
	if !x.msg.IsSigner(from.PublicKey) {
		return errInstruction(i, "missing required signature for instruction", "MissingRequiredSignature")
	}
	src := x.get(from.PublicKey)
	if src.lamports < *t.Lamports {
		x.logs = append(x.logs, fmt.Sprintf("Transfer: insufficient lamports %d, need %d", src.lamports, *t.Lamports))
		return errInstruction(i, "custom program error: 0x1", map[string]any{"Custom": 1})
	}
	src.lamports -= *t.Lamports
	x.next[from.PublicKey] = src
	dst := x.get(to.PublicKey)
	if dst.lamports == 0 {
		dst = accountState{owner: solana.SystemProgramID}
	}
	dst.lamports += *t.Lamports
	x.next[to.PublicKey] = dst
	return nil
}

// commitLocked lands an executed transaction in the working slot.
func (l *ledger) commitLocked(r *txRecord, wire []byte, states map[solana.PublicKey]accountState) {
	r.wire = wire
	r.blockTime = l.hist.blocks[l.slot].time
	for pk, st := range states {
		l.writeLocked(pk, st)
	}
	l.hist.addTx(r)
	l.txCount++
}

// submit executes and lands a verified transaction atomically: on any
// failure nothing changes.
func (l *ledger) submit(tx *solana.Transaction, wire []byte) (*txRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, states, err := l.executeLocked(tx, tx.Signatures[0])
	if err != nil {
		return nil, err
	}
	l.commitLocked(r, wire, states)
	return r, nil
}

// simulate executes tx without landing it; addresses' resulting states are
// returned in order. A failure is reported inside the record, as agave's
// simulateTransaction does.
func (l *ledger) simulate(tx *solana.Transaction, addresses []solana.PublicKey) (*txRecord, []accountState, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var sig solana.Signature // a zero signature is never a duplicate
	r, states, err := l.executeLocked(tx, sig)
	if pe, ok := err.(*preflightError); ok {
		r = &txRecord{err: pe.reason, logs: pe.logs, units: pe.units}
		states = nil
	}
	out := make([]accountState, len(addresses))
	for i, pk := range addresses {
		if st, ok := states[pk]; ok {
			out[i] = st
		} else {
			out[i] = l.stateAtLocked(pk, l.slot)
		}
	}
	return r, out, l.slot
}
