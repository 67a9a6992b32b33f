package conformance

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	confirm "github.com/gagliardetto/solana-go/rpc/sendAndConfirmTransaction"
)

const (
	lamportsPerSignature = 5000
	// systemProgramSuccess is the log line of a system instruction that ran.
	systemProgramSuccess = "Program 11111111111111111111111111111111 success"
)

// rpcCode returns the JSON-RPC error code of err, or 0.
func rpcCode(err error) int {
	var re *jsonrpc.RPCError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

func checkCluster(e *env) {
	t := e.t
	health, err := e.rpc.GetHealth(e.ctx)
	if err != nil || health != rpc.HealthOk {
		t.Errorf("GetHealth() = %q, %v, want ok", health, err)
	}
	v, err := e.rpc.GetVersion(e.ctx)
	if err != nil || v.SolanaCore == "" {
		t.Errorf("GetVersion() = %+v, %v, want a solana-core version", v, err)
	}
	genesis, err := e.rpc.GetGenesisHash(e.ctx)
	if err != nil || genesis.IsZero() {
		t.Errorf("GetGenesisHash() = %s, %v, want a hash", genesis, err)
	}
	id, err := e.rpc.GetIdentity(e.ctx)
	e.must(err, "GetIdentity()")
	nodes, err := e.rpc.GetClusterNodes(e.ctx)
	if err != nil || len(nodes) == 0 || !containsNode(nodes, id.Identity) {
		t.Errorf("GetClusterNodes() = %d nodes, %v, want one with identity %s", len(nodes), err, id.Identity)
	}
	votes, err := e.rpc.GetVoteAccounts(e.ctx, nil)
	if err != nil || len(votes.Current) == 0 || votes.Current[0].ActivatedStake == 0 {
		t.Errorf("GetVoteAccounts() = %+v, %v, want a current staked vote account", votes, err)
	}
	leader, err := e.rpc.GetSlotLeader(e.ctx, rpc.CommitmentProcessed)
	if err != nil || leader.IsZero() {
		t.Errorf("GetSlotLeader() = %s, %v, want a node", leader, err)
	}
	sched, err := e.rpc.GetEpochSchedule(e.ctx)
	if err != nil || sched.SlotsPerEpoch == 0 {
		t.Errorf("GetEpochSchedule() = %+v, %v, want slotsPerEpoch > 0", sched, err)
	}
	epoch, err := e.rpc.GetEpochInfo(e.ctx, rpc.CommitmentProcessed)
	if err != nil || epoch.SlotIndex != epoch.AbsoluteSlot%sched.SlotsPerEpoch || epoch.BlockHeight == 0 {
		t.Errorf("GetEpochInfo() = %+v, %v, want a consistent epoch", epoch, err)
	}
	rent, err := e.rpc.GetMinimumBalanceForRentExemption(e.ctx, 0, rpc.CommitmentFinalized)
	if err != nil || rent != 890_880 {
		t.Errorf("GetMinimumBalanceForRentExemption(0) = %d, %v, want 890880", rent, err)
	}
	if _, err := e.rpc.GetTransactionCount(e.ctx, rpc.CommitmentProcessed); err != nil {
		t.Errorf("GetTransactionCount() error = %v", err)
	}
}

func containsNode(nodes []*rpc.GetClusterNodesResult, id solana.PublicKey) bool {
	for _, n := range nodes {
		if n.Pubkey == id {
			return true
		}
	}
	return false
}

// checkCommitmentOrder: processed ≥ confirmed ≥ finalized, for slots and
// block heights alike.
func checkCommitmentOrder(e *env) {
	var slots, heights [3]uint64
	for i, c := range []rpc.CommitmentType{rpc.CommitmentFinalized, rpc.CommitmentConfirmed, rpc.CommitmentProcessed} {
		var err error
		slots[i], err = e.rpc.GetSlot(e.ctx, c)
		e.must(err, "GetSlot(%s)", c)
		heights[i], err = e.rpc.GetBlockHeight(e.ctx, c)
		e.must(err, "GetBlockHeight(%s)", c)
	}
	if slots[0] > slots[1] || slots[1] > slots[2] || heights[0] > heights[1] || heights[1] > heights[2] {
		e.t.Errorf("slots (finalized, confirmed, processed) = %v, heights = %v, want non-decreasing", slots, heights)
	}
}

func checkAirdropAndAccounts(e *env) {
	t := e.t
	who, missing := e.key("who").PublicKey(), e.key("never funded").PublicKey()
	e.fund(who, 2*solana.LAMPORTS_PER_SOL)
	bal, err := e.rpc.GetBalance(e.ctx, who, rpc.CommitmentConfirmed)
	if err != nil || bal.Value < 2*solana.LAMPORTS_PER_SOL {
		t.Errorf("GetBalance(confirmed) = %+v, %v, want >= 2 SOL", bal, err)
	}
	info, err := e.rpc.GetAccountInfoWithOpts(e.ctx, who, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil || !info.Value.Owner.Equals(solana.SystemProgramID) || info.Value.Executable {
		t.Errorf("GetAccountInfo(funded) = %+v, %v, want a system account", info, err)
	}
	if _, err := e.rpc.GetAccountInfo(e.ctx, missing); !errors.Is(err, rpc.ErrNotFound) {
		t.Errorf("GetAccountInfo(missing) error = %v, want rpc.ErrNotFound", err)
	}
	multi, err := e.rpc.GetMultipleAccountsWithOpts(e.ctx, []solana.PublicKey{who, missing},
		&rpc.GetMultipleAccountsOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil || len(multi.Value) != 2 || multi.Value[0] == nil || multi.Value[1] != nil {
		t.Errorf("GetMultipleAccounts(funded, missing) = %+v, %v, want [account, null]", multi, err)
	}
}

// checkSendAndConfirm sends a transfer with solana-go's send-and-confirm
// helper, which waits for a finalized signatureNotification.
func checkSendAndConfirm(e *env) {
	payer, payee := e.key("payer"), e.key("payee").PublicKey()
	e.fund(payer.PublicKey(), solana.LAMPORTS_PER_SOL)
	tx := e.transfer(payer, payee, 1_000_000, e.blockhash(rpc.CommitmentFinalized).Value.Blockhash)
	start := time.Now()
	sig, err := confirm.SendAndConfirmTransaction(e.ctx, e.rpc, e.ws, tx)
	took := time.Since(start)
	e.must(err, "SendAndConfirmTransaction()")
	if e.cfg.ConfirmWithin > 0 && took > e.cfg.ConfirmWithin {
		e.t.Errorf("SendAndConfirmTransaction() took %s, want within %s", took, e.cfg.ConfirmWithin)
	}
	st, err := e.rpc.GetSignatureStatuses(e.ctx, false, sig)
	if err != nil || st.Value[0] == nil || st.Value[0].ConfirmationStatus != rpc.ConfirmationStatusFinalized {
		e.t.Errorf("GetSignatureStatuses(confirmed send) = %+v, %v, want finalized", st, err)
	}
	bal, err := e.rpc.GetBalance(e.ctx, payee, rpc.CommitmentFinalized)
	if err != nil || bal.Value < 1_000_000 {
		e.t.Errorf("GetBalance(payee, finalized) = %+v, %v, want >= 1000000", bal, err)
	}
}

// checkHistory finds a confirmed transfer with getTransaction (json and
// base64), getSignaturesForAddress, getBlock, getBlocks and getBlockTime.
func checkHistory(e *env) {
	t := e.t
	payer, payee := e.key("payer"), e.key("payee").PublicKey()
	e.fund(payer.PublicKey(), solana.LAMPORTS_PER_SOL)
	sig := e.send(e.transfer(payer, payee, 2_000_000, e.blockhash(rpc.CommitmentConfirmed).Value.Blockhash))
	e.waitSignature(sig, rpc.CommitmentConfirmed)
	v0 := rpc.MaxSupportedTransactionVersion0
	var slot uint64
	// "": the node's default, json (solana-go refuses to ask for json by name).
	for _, enc := range []solana.EncodingType{"", solana.EncodingBase64} {
		got, err := e.rpc.GetTransaction(e.ctx, sig, &rpc.GetTransactionOpts{
			Encoding: enc, Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &v0,
		})
		e.must(err, "GetTransaction(%s)", enc)
		tx, err := got.Transaction.GetTransaction()
		e.must(err, "GetTransaction(%s): decode", enc)
		if tx.Signatures[0] != sig || got.Meta == nil || got.Meta.Fee != lamportsPerSignature ||
			!containsLine(got.Meta.LogMessages, systemProgramSuccess) || got.Meta.Err != nil {
			t.Errorf("GetTransaction(%s) = %+v, want the transfer with fee 5000 and system logs", enc, got)
		}
		slot = got.Slot
	}
	sigs, err := e.rpc.GetSignaturesForAddressWithOpts(e.ctx, payee, &rpc.GetSignaturesForAddressOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil || len(sigs) == 0 || sigs[0].Signature != sig || sigs[0].Slot != slot {
		t.Errorf("GetSignaturesForAddress(payee) = %d entries, %v, want %s first", len(sigs), err, sig)
	}
	block, err := e.rpc.GetBlockWithOpts(e.ctx, slot, &rpc.GetBlockOpts{
		TransactionDetails: rpc.TransactionDetailsSignatures, Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &v0,
	})
	if err != nil || !containsSig(block.Signatures, sig) || block.ParentSlot >= slot {
		t.Errorf("GetBlock(%d) = %+v, %v, want it to hold %s", slot, block, err, sig)
	}
	end := slot
	blocks, err := e.rpc.GetBlocks(e.ctx, slot-min(slot, 2), &end, rpc.CommitmentConfirmed)
	if err != nil || len(blocks) == 0 || blocks[len(blocks)-1] != slot {
		t.Errorf("GetBlocks(.., %d) = %v, %v, want it to end at %d", slot, blocks, err, slot)
	}
	bt, err := e.rpc.GetBlockTime(e.ctx, slot)
	if err != nil || bt == nil || bt.Time().Before(time.Now().Add(-time.Hour)) {
		t.Errorf("GetBlockTime(%d) = %v, %v, want about now", slot, bt, err)
	}
	if _, err := e.rpc.GetFirstAvailableBlock(e.ctx); err != nil {
		t.Errorf("GetFirstAvailableBlock() error = %v", err)
	}
	unknown := solana.SignatureFromBytes(make([]byte, 64))
	if _, err := e.rpc.GetTransaction(e.ctx, unknown, nil); !errors.Is(err, rpc.ErrNotFound) {
		t.Errorf("GetTransaction(unknown) error = %v, want rpc.ErrNotFound", err)
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

func containsSig(sigs []solana.Signature, want solana.Signature) bool {
	for _, s := range sigs {
		if s == want {
			return true
		}
	}
	return false
}

// checkProgramAccounts finds the configured program under the upgradeable
// loader with a dataSize and a memcmp filter (tag 2: Program).
func checkProgramAccounts(e *env) {
	if e.cfg.ProgramID.IsZero() {
		e.t.Skip("no Config.ProgramID: nothing known to be deployed")
	}
	tag := binary.LittleEndian.AppendUint32(nil, 2)
	got, err := e.rpc.GetProgramAccountsWithOpts(e.ctx, solana.BPFLoaderUpgradeableProgramID, &rpc.GetProgramAccountsOpts{
		Filters: []rpc.RPCFilter{{DataSize: 36}, {Memcmp: &rpc.RPCFilterMemcmp{Offset: 0, Bytes: tag}}},
	})
	e.must(err, "GetProgramAccounts(upgradeable loader)")
	for _, ka := range got {
		if ka.Pubkey == e.cfg.ProgramID {
			if !ka.Account.Executable || len(ka.Account.Data.GetBinary()) != 36 {
				e.t.Errorf("program account = %+v, want executable with 36 bytes", ka.Account)
			}
			return
		}
	}
	e.t.Errorf("GetProgramAccounts(upgradeable loader, dataSize 36, memcmp tag 2) = %d accounts, want %s among them", len(got), e.cfg.ProgramID)
}
