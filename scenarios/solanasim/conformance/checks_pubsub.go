package conformance

import (
	"crypto/sha256"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
)

// checkSlotNotifications: slotNotification arrives every slot with a
// parent below the slot and a root at or below it; rootNotification moves.
// The client is closed, not unsubscribed, while notifications still flow.
func checkSlotNotifications(e *env) {
	slots, err := e.ws.SlotSubscribe()
	e.must(err, "SlotSubscribe()")
	var last uint64
	for range 3 {
		got, err := slots.Recv(e.ctx)
		e.must(err, "SlotSubscribe().Recv()")
		if got.Parent >= got.Slot || got.Root > got.Slot || got.Slot <= last {
			e.t.Errorf("slotNotification = %+v after slot %d, want parent < slot, root <= slot, slots rising", got, last)
		}
		last = got.Slot
	}
	roots, err := e.ws.RootSubscribe()
	e.must(err, "RootSubscribe()")
	first, err := roots.Recv(e.ctx)
	e.must(err, "RootSubscribe().Recv()")
	next, err := roots.Recv(e.ctx)
	e.must(err, "RootSubscribe().Recv()")
	if *next <= *first {
		e.t.Errorf("rootNotification %d then %d, want rising roots", *first, *next)
	}
}

// checkAccountNotifications subscribes to a payee's account, the system
// program and the payee's logs at processed, then moves lamports to it.
func checkAccountNotifications(e *env) {
	payer, payee := e.key("payer"), e.key("payee").PublicKey()
	e.fund(payer.PublicKey(), solana.LAMPORTS_PER_SOL)
	acct, err := e.ws.AccountSubscribe(payee, rpc.CommitmentProcessed)
	e.must(err, "AccountSubscribe(payee)")
	prog, err := e.ws.ProgramSubscribe(solana.SystemProgramID, rpc.CommitmentProcessed)
	e.must(err, "ProgramSubscribe(system)")
	logs, err := e.ws.LogsSubscribeMentions(payee, rpc.CommitmentProcessed)
	e.must(err, "LogsSubscribeMentions(payee)")
	sig := e.send(e.transfer(payer, payee, 3_000_000, e.blockhash(rpc.CommitmentConfirmed).Value.Blockhash))

	got, err := acct.Recv(e.ctx)
	e.must(err, "AccountSubscribe().Recv()")
	if got.Value == nil || got.Value.Lamports < 3_000_000 || !got.Value.Owner.Equals(solana.SystemProgramID) {
		e.t.Errorf("accountNotification = %+v, want the payee with >= 3000000 lamports", got.Value)
	}
	for {
		p, err := prog.Recv(e.ctx)
		e.must(err, "ProgramSubscribe().Recv()")
		if p.Value.Pubkey == payee {
			break // other system accounts (fee payers, the faucet) may come first
		}
	}
	for {
		l, err := logs.Recv(e.ctx)
		e.must(err, "LogsSubscribe().Recv()")
		if l.Value.Signature == sig {
			if l.Value.Err != nil || !containsLine(l.Value.Logs, systemProgramSuccess) {
				e.t.Errorf("logsNotification = %+v, want the transfer's system logs", l.Value)
			}
			break
		}
	}
}

// checkUnsubscribe ends quiet subscriptions (nothing flows on them, so the
// client cannot race a notification) and keeps the connection usable.
func checkUnsubscribe(e *env) {
	quiet := e.key("quiet").PublicKey()
	acct, err := e.ws.AccountSubscribe(quiet, rpc.CommitmentFinalized)
	e.must(err, "AccountSubscribe(quiet)")
	acct.Unsubscribe()
	unseen := solana.SignatureFromBytes(make([]byte, 64))
	sig, err := e.ws.SignatureSubscribe(unseen, rpc.CommitmentFinalized)
	e.must(err, "SignatureSubscribe(unseen)")
	sig.Unsubscribe()
	slots, err := e.ws.SlotSubscribe()
	e.must(err, "SlotSubscribe() after unsubscribes")
	if _, err := slots.Recv(e.ctx); err != nil {
		e.t.Errorf("SlotSubscribe().Recv() after unsubscribes error = %v", err)
	}
}

func checkSimulate(e *env) {
	t := e.t
	payer, payee := e.key("payer"), e.key("payee").PublicKey()
	e.fund(payer.PublicKey(), solana.LAMPORTS_PER_SOL)
	recent := e.blockhash(rpc.CommitmentConfirmed).Value.Blockhash
	sim, err := e.rpc.SimulateTransactionWithOpts(e.ctx, e.transfer(payer, payee, 1_000, recent), &rpc.SimulateTransactionOpts{
		SigVerify: true, Commitment: rpc.CommitmentConfirmed,
		Accounts: &rpc.SimulateTransactionAccountsOpts{Encoding: solana.EncodingBase64, Addresses: []solana.PublicKey{payee}},
	})
	if err != nil || sim.Value.Err != nil || !containsLine(sim.Value.Logs, systemProgramSuccess) ||
		sim.Value.UnitsConsumed == nil || *sim.Value.UnitsConsumed == 0 || len(sim.Value.Accounts) != 1 {
		t.Errorf("SimulateTransaction(transfer) = %+v, %v, want success with logs, units and the payee account", sim, err)
	}
	broke, err := e.rpc.SimulateTransaction(e.ctx, e.transfer(payer, payee, 100*solana.LAMPORTS_PER_SOL, recent))
	if err != nil || broke.Value.Err == nil {
		t.Errorf("SimulateTransaction(overdraft) = %+v, %v, want an InstructionError in value.err", broke, err)
	}
	stale := e.transfer(payer, payee, 1_000, solana.Hash(sha256.Sum256([]byte("never issued"))))
	replaced, err := e.rpc.SimulateTransactionWithOpts(e.ctx, stale, &rpc.SimulateTransactionOpts{ReplaceRecentBlockhash: true})
	if err != nil || replaced.Value.Err != nil {
		t.Errorf("SimulateTransaction(unknown blockhash, replaceRecentBlockhash) = %+v, %v, want success", replaced, err)
	}
	tampered := e.transfer(payer, payee, 1_000, recent)
	tampered.Signatures[0][0] ^= 0xff
	_, err = e.rpc.SimulateTransactionWithOpts(e.ctx, tampered, &rpc.SimulateTransactionOpts{SigVerify: true})
	if rpcCode(err) != -32003 {
		t.Errorf("SimulateTransaction(tampered, sigVerify) error = %v, want -32003", err)
	}
	if bal, err := e.rpc.GetBalance(e.ctx, payee, rpc.CommitmentProcessed); err != nil || bal.Value != 0 {
		t.Errorf("GetBalance(payee) after simulations = %+v, %v, want 0: simulation lands nothing", bal, err)
	}
}

func checkFees(e *env) {
	t := e.t
	payer := e.key("payer")
	latest := e.blockhash(rpc.CommitmentConfirmed).Value.Blockhash
	msg := e.transfer(payer, payer.PublicKey(), 1, latest).Message
	fee, err := e.rpc.GetFeeForMessage(e.ctx, msg.ToBase64(), rpc.CommitmentConfirmed)
	if err != nil || fee.Value == nil || *fee.Value != lamportsPerSignature {
		t.Errorf("GetFeeForMessage(one signature) = %+v, %v, want 5000", fee, err)
	}
	msg.RecentBlockhash = solana.Hash(sha256.Sum256([]byte("never issued")))
	fee, err = e.rpc.GetFeeForMessage(e.ctx, msg.ToBase64(), rpc.CommitmentConfirmed)
	if err != nil || fee.Value != nil {
		t.Errorf("GetFeeForMessage(unknown blockhash) = %+v, %v, want null", fee, err)
	}
	for _, tc := range []struct {
		hash solana.Hash
		want bool
	}{{latest, true}, {msg.RecentBlockhash, false}} {
		got, err := e.rpc.IsBlockhashValid(e.ctx, tc.hash, rpc.CommitmentConfirmed)
		if err != nil || got.Value != tc.want {
			t.Errorf("IsBlockhashValid(%s) = %+v, %v, want %v", tc.hash, got, err, tc.want)
		}
	}
	fees, err := e.rpc.GetRecentPrioritizationFees(e.ctx, nil)
	if err != nil || len(fees) == 0 {
		t.Errorf("GetRecentPrioritizationFees() = %v, %v, want recent slots", fees, err)
	}
}

// checkBlockhashExpiry waits, over slot notifications, until the block
// height passes a blockhash's lastValidBlockHeight; then the blockhash is
// invalid and a transaction using it fails preflight (-32002).
func checkBlockhashExpiry(e *env) {
	if !e.cfg.Expiry {
		e.t.Skip("Config.Expiry not set: the check waits 151 blocks")
	}
	payer := e.key("payer")
	e.fund(payer.PublicKey(), solana.LAMPORTS_PER_SOL)
	bh := e.blockhash(rpc.CommitmentProcessed)
	slots, err := e.ws.SlotSubscribe()
	e.must(err, "SlotSubscribe()")
	waitHeightPast(e, slots, bh.Value.LastValidBlockHeight)
	got, err := e.rpc.IsBlockhashValid(e.ctx, bh.Value.Blockhash, rpc.CommitmentProcessed)
	if err != nil || got.Value {
		e.t.Errorf("IsBlockhashValid(expired) = %+v, %v, want false", got, err)
	}
	_, err = e.rpc.SendTransaction(e.ctx, e.transfer(payer, payer.PublicKey(), 1, bh.Value.Blockhash))
	if rpcCode(err) != -32002 {
		e.t.Errorf("SendTransaction(expired blockhash) error = %v, want -32002 preflight failure", err)
	}
}

// waitHeightPast reads slot notifications until the processed block height
// exceeds h.
func waitHeightPast(e *env, slots *ws.SlotSubscription, h uint64) {
	for {
		if _, err := slots.Recv(e.ctx); err != nil {
			e.t.Fatalf("SlotSubscribe().Recv() waiting for block height %d error = %v", h, err)
		}
		height, err := e.rpc.GetBlockHeight(e.ctx, rpc.CommitmentProcessed)
		e.must(err, "GetBlockHeight(processed)")
		if height > h {
			return
		}
	}
}
