package solanasim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
)

// testKey is a real ed25519 key from a fixed seed, so runs reproduce.
func testKey(name string) solana.PrivateKey {
	seed := sha256.Sum256([]byte("solanasim-test/" + name))
	return solana.PrivateKey(ed25519.NewKeyFromSeed(seed[:]))
}

// transferTx builds and signs a system transfer with solana-go's builder.
func transferTx(t *testing.T, from solana.PrivateKey, to solana.PublicKey, lamports uint64, recent solana.Hash) *solana.Transaction {
	t.Helper()
	tx, err := solana.NewTransaction(
		[]solana.Instruction{system.NewTransferInstruction(lamports, from.PublicKey(), to).Build()},
		recent,
		solana.TransactionPayer(from.PublicKey()),
	)
	if err != nil {
		t.Fatalf("NewTransaction() error = %v", err)
	}
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k.Equals(from.PublicKey()) {
			return &from
		}
		return nil
	}); err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	return tx
}

func TestSendTransactionAppliesSignedTransfer(t *testing.T) {
	h := start(t, Options{SlotInterval: time.Second}) // blockhashes stay valid 150 s
	ctx := callCtx(t)
	payer, payee := testKey("payer"), testKey("payee").PublicKey()
	if _, err := h.cl.RequestAirdrop(ctx, payer.PublicKey(), 1_000_000_000, rpc.CommitmentFinalized); err != nil {
		t.Fatalf("RequestAirdrop() error = %v", err)
	}
	bh, err := h.cl.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatalf("GetLatestBlockhash() error = %v", err)
	}
	tx := transferTx(t, payer, payee, 250_000_000, bh.Value.Blockhash)

	sig, err := h.cl.SendTransaction(ctx, tx)
	if err != nil {
		t.Fatalf("SendTransaction(signed transfer) error = %v", err)
	}
	if sig != tx.Signatures[0] {
		t.Errorf("SendTransaction() = %s, want first signature %s", sig, tx.Signatures[0])
	}
	for _, want := range []struct {
		who      solana.PublicKey
		lamports uint64
	}{
		{payer.PublicKey(), 1_000_000_000 - 250_000_000 - lamportsPerSignature},
		{payee, 250_000_000},
	} {
		bal, err := h.cl.GetBalance(ctx, want.who, rpc.CommitmentProcessed)
		if err != nil || bal.Value != want.lamports {
			t.Errorf("GetBalance(%s) = %+v, %v, want %d", want.who, bal, err, want.lamports)
		}
	}
	st, err := h.cl.GetSignatureStatuses(ctx, false, sig)
	if err != nil || st.Value[0] == nil || st.Value[0].ConfirmationStatus != rpc.ConfirmationStatusProcessed {
		t.Errorf("GetSignatureStatuses(sent) = %+v, %v, want processed (slots are 1 s)", st, err)
	}
	epoch, err := h.cl.GetEpochInfo(ctx, rpc.CommitmentProcessed)
	if err != nil || epoch.TransactionCount == nil || *epoch.TransactionCount != 2 {
		t.Errorf("GetEpochInfo().TransactionCount = %v, %v, want 2 (airdrop + transfer)", epoch.TransactionCount, err)
	}
}

func TestSendTransactionRejects(t *testing.T) {
	h := start(t, Options{SlotInterval: time.Second}) // blockhashes stay valid 150 s
	ctx := callCtx(t)
	rich, poor, broke := testKey("rich"), testKey("poor"), testKey("broke")
	payee := testKey("payee").PublicKey()
	for who, lamports := range map[solana.PublicKey]uint64{rich.PublicKey(): 1_000_000_000, poor.PublicKey(): 10_000} {
		if _, err := h.cl.RequestAirdrop(ctx, who, lamports, ""); err != nil {
			t.Fatalf("RequestAirdrop() error = %v", err)
		}
	}
	bh, err := h.cl.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatalf("GetLatestBlockhash() error = %v", err)
	}
	recent := bh.Value.Blockhash

	dup := transferTx(t, rich, payee, 1, recent)
	if _, err := h.cl.SendTransaction(ctx, dup); err != nil {
		t.Fatalf("SendTransaction(first copy) error = %v", err)
	}

	tests := []struct {
		name     string
		tx       func() *solana.Transaction
		wantCode int
		wantMsg  string
	}{
		{"tampered signature", func() *solana.Transaction {
			tx := transferTx(t, rich, payee, 5, recent)
			tx.Signatures[0][0] ^= 0xff
			return tx
		}, CodeSignatureFailure, "Transaction signature verification failure"},
		{"message changed after signing", func() *solana.Transaction {
			tx := transferTx(t, rich, payee, 5, recent)
			tx.Message.Instructions[0].Data[4] ^= 0x01 // lamports, after the u32 tag
			return tx
		}, CodeSignatureFailure, "Transaction signature verification failure"},
		{"unknown blockhash", func() *solana.Transaction {
			return transferTx(t, rich, payee, 5, solana.Hash(sha256.Sum256([]byte("never issued"))))
		}, CodePreflightFailure, "Transaction simulation failed: Blockhash not found"},
		{"duplicate", func() *solana.Transaction { return dup },
			CodePreflightFailure, "Transaction simulation failed: This transaction has already been processed"},
		{"fee payer never funded", func() *solana.Transaction { return transferTx(t, broke, payee, 5, recent) },
			CodePreflightFailure, "Transaction simulation failed: Attempt to debit an account but found no record of a prior credit."},
		{"insufficient funds", func() *solana.Transaction { return transferTx(t, poor, payee, 1_000_000, recent) },
			CodePreflightFailure, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.cl.SendTransaction(ctx, tc.tx())
			wantRPCError(t, err, tc.wantCode, tc.wantMsg)
		})
	}

	// Nothing rejected moved money.
	if bal, err := h.cl.GetBalance(ctx, payee, rpc.CommitmentProcessed); err != nil || bal.Value != 1 {
		t.Errorf("GetBalance(payee) = %+v, %v, want 1 (only the first accepted transfer)", bal, err)
	}
	if bal, err := h.cl.GetBalance(ctx, poor.PublicKey(), rpc.CommitmentProcessed); err != nil || bal.Value != 10_000 {
		t.Errorf("GetBalance(poor) = %+v, %v, want 10000 (failed preflight charges nothing)", bal, err)
	}
}
