package solanasim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
)

func TestClusterMethods(t *testing.T) {
	h := start(t, Options{})
	ctx := callCtx(t)

	if got, err := h.cl.GetHealth(ctx); err != nil || got != rpc.HealthOk {
		t.Errorf("GetHealth() = %q, %v, want ok", got, err)
	}
	v, err := h.cl.GetVersion(ctx)
	if err != nil || v.SolanaCore != solanaCoreVersion || v.FeatureSet != featureSet {
		t.Errorf("GetVersion() = %+v, %v, want %s/%d", v, err, solanaCoreVersion, featureSet)
	}
	slot, err := h.cl.GetSlot(ctx, rpc.CommitmentProcessed)
	if err != nil || slot == 0 {
		t.Errorf("GetSlot(processed) = %d, %v, want > 0", slot, err)
	}
	height, err := h.cl.GetBlockHeight(ctx, rpc.CommitmentProcessed)
	if err != nil || height < slot {
		t.Errorf("GetBlockHeight(processed) = %d, %v, want >= %d", height, err, slot)
	}
	epoch, err := h.cl.GetEpochInfo(ctx, rpc.CommitmentProcessed)
	if err != nil || epoch.SlotsInEpoch != slotsInEpoch || epoch.AbsoluteSlot < slot ||
		epoch.SlotIndex != epoch.AbsoluteSlot%slotsInEpoch || epoch.TransactionCount == nil {
		t.Errorf("GetEpochInfo() = %+v, %v, want a consistent epoch at slot >= %d", epoch, err, slot)
	}
	bh, err := h.cl.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil || bh.Value.Blockhash.IsZero() || bh.Value.LastValidBlockHeight <= bh.Context.Slot {
		t.Errorf("GetLatestBlockhash() = %+v, %v, want a blockhash valid past its slot", bh, err)
	}
	rent, err := h.cl.GetMinimumBalanceForRentExemption(ctx, 36, rpc.CommitmentFinalized)
	if err != nil || rent != 1141440 {
		t.Errorf("GetMinimumBalanceForRentExemption(36) = %d, %v, want 1141440", rent, err)
	}
}

func TestProgramAccount(t *testing.T) {
	custom := solana.MustPublicKeyFromBase58("Vote111111111111111111111111111111111111111")
	tests := []struct {
		name string
		opts Options
		want solana.PublicKey
	}{
		{"default program id", Options{}, solana.MustPublicKeyFromBase58(DefaultProgramID)},
		{"configured program id", Options{ProgramID: custom}, custom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.opts)
			got, err := h.cl.GetAccountInfo(callCtx(t), tc.want)
			if err != nil {
				t.Fatalf("GetAccountInfo(%s) error = %v, want the program account", tc.want, err)
			}
			acct := got.Value
			if !acct.Executable || !acct.Owner.Equals(solana.BPFLoaderUpgradeableProgramID) || acct.Space != 36 || acct.Lamports != 1141440 {
				t.Errorf("GetAccountInfo(%s) = %+v, want executable, upgradeable-loader owned, 36 bytes", tc.want, acct)
			}
			data := acct.Data.GetBinary()
			programData, _, _ := solana.FindProgramAddress([][]byte{tc.want[:]}, solana.BPFLoaderUpgradeableProgramID)
			if len(data) != 36 || binary.LittleEndian.Uint32(data) != 2 || !bytes.Equal(data[4:], programData[:]) {
				t.Errorf("program data = %x, want u32 LE 2 + programdata %s", data, programData)
			}
		})
	}
}

func TestMissingAccountIsNotFound(t *testing.T) {
	h := start(t, Options{})
	missing := solana.PublicKeyFromBytes(bytes.Repeat([]byte{7}, 32))
	_, err := h.cl.GetAccountInfo(callCtx(t), missing)
	if !errors.Is(err, rpc.ErrNotFound) {
		t.Fatalf("GetAccountInfo(missing) error = %v, want rpc.ErrNotFound", err)
	}
}

func TestBadParams(t *testing.T) {
	h := start(t, Options{})
	tests := []struct {
		name   string
		method string
		params []any
		want   string
	}{
		{"short pubkey", "getAccountInfo", []any{"abc", map[string]any{"encoding": "base64"}}, "Invalid param: WrongSize"},
		{"long pubkey", "getBalance", []any{"1111111111111111111111111111111111111111111111111"}, "Invalid param: WrongSize"},
		{"non base58 pubkey", "getBalance", []any{"0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"}, "Invalid param: Invalid"},
		{"pubkey not a string", "getAccountInfo", []any{42}, ""},
		{"missing pubkey", "getBalance", nil, ""},
		{"bad signature", "getSignatureStatuses", []any{[]string{"abc"}}, "Invalid param: WrongSize"},
		{"negative lamports", "requestAirdrop", []any{DefaultProgramID, -1}, ""},
		{"unsupported encoding", "getAccountInfo", []any{DefaultProgramID, map[string]any{"encoding": "base64+zstd"}}, ""},
		{"garbage transaction", "sendTransaction", []any{"!!!", map[string]any{"encoding": "base64"}}, ""},
		{"undecodable transaction", "sendTransaction", []any{"AAAA", map[string]any{"encoding": "base64"}}, ""},
		{"too many params", "getHealth", []any{1}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out any
			err := h.cl.RPCCallForInto(callCtx(t), &out, tc.method, tc.params)
			wantRPCError(t, err, CodeInvalidParams, tc.want)
		})
	}
}

func TestUnknownMethod(t *testing.T) {
	h := start(t, Options{})
	var out any
	err := h.cl.RPCCallForInto(callCtx(t), &out, "getTransmogrifier", nil)
	wantRPCError(t, err, CodeMethodNotFound, "Method not found")
}

func TestAirdropBalanceAndStatus(t *testing.T) {
	h := start(t, Options{})
	ctx := callCtx(t)
	who := solana.PublicKeyFromBytes(bytes.Repeat([]byte{9}, 32))

	sig, err := h.cl.RequestAirdrop(ctx, who, 2_000_000_000, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatalf("RequestAirdrop() error = %v", err)
	}
	bal, err := h.cl.GetBalance(ctx, who, rpc.CommitmentProcessed)
	if err != nil || bal.Value != 2_000_000_000 {
		t.Fatalf("GetBalance(processed) = %+v, %v, want 2000000000", bal, err)
	}
	waitTicks(t, h.sim, DefaultFinalizedLag+1)
	acct, err := h.cl.GetAccountInfo(ctx, who)
	if err != nil || acct.Value.Executable || !acct.Value.Owner.Equals(solana.SystemProgramID) || acct.Value.Lamports != 2_000_000_000 {
		t.Fatalf("GetAccountInfo(funded) = %+v, %v, want a system account", acct, err)
	}

	unknown := solana.SignatureFromBytes(bytes.Repeat([]byte{1}, 64))
	st, err := h.cl.GetSignatureStatuses(ctx, true, sig, unknown)
	if err != nil || len(st.Value) != 2 {
		t.Fatalf("GetSignatureStatuses() = %+v, %v, want 2 entries", st, err)
	}
	if got := st.Value[0]; got == nil || got.ConfirmationStatus != rpc.ConfirmationStatusFinalized || got.Err != nil || got.Slot == 0 {
		t.Errorf("status(airdrop) = %+v, want finalized without error", got)
	}
	if st.Value[1] != nil {
		t.Errorf("status(unknown) = %+v, want null", st.Value[1])
	}
}
