package solanasim

import (
	"encoding/base64"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// txOutput is how getTransaction and getBlock render transactions.
type txOutput struct {
	encoding   string // json, base64 or base58
	maxVersion *uint8 // maxSupportedTransactionVersion; nil: legacy only
}

// readTxOutput checks encoding and version support.
func readTxOutput(encoding string, maxVersion *uint8) (txOutput, *rpcError) {
	switch encoding {
	case "":
		encoding = "json"
	case "json", "base64", "base58":
	default:
		return txOutput{}, errInvalidParams("Invalid params: encoding %q is not simulated: use json, base64 or base58", encoding)
	}
	if maxVersion != nil && *maxVersion > 0 {
		return txOutput{}, errInvalidParams("Invalid params: maxSupportedTransactionVersion %d: only 0 exists", *maxVersion)
	}
	return txOutput{encoding: encoding, maxVersion: maxVersion}, nil
}

// errUnsupportedVersion is agave's -32015 for a v0 transaction asked for
// without maxSupportedTransactionVersion.
func errUnsupportedVersion() *rpcError {
	return &rpcError{
		Code: CodeUnsupportedTransactionVersion,
		Message: "Transaction version (0) is not supported by the requesting client. " +
			"Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
	}
}

// txWithMeta is one transaction of getTransaction or getBlock.
type txWithMeta struct {
	Slot        *uint64 `json:"slot,omitempty"`
	BlockTime   *int64  `json:"blockTime,omitempty"`
	Transaction any     `json:"transaction"`
	Meta        txMeta  `json:"meta"`
	Version     any     `json:"version,omitempty"`
}

// txMeta is agave's UiTransactionStatusMeta for the simulator's
// transactions: no inner instructions, token balances or rewards.
type txMeta struct {
	Err                  any            `json:"err"`
	Status               map[string]any `json:"status"`
	Fee                  uint64         `json:"fee"`
	PreBalances          []uint64       `json:"preBalances"`
	PostBalances         []uint64       `json:"postBalances"`
	InnerInstructions    []any          `json:"innerInstructions"`
	LogMessages          []string       `json:"logMessages"`
	PreTokenBalances     []any          `json:"preTokenBalances"`
	PostTokenBalances    []any          `json:"postTokenBalances"`
	Rewards              []any          `json:"rewards"`
	LoadedAddresses      *loadedAddrs   `json:"loadedAddresses,omitempty"`
	ComputeUnitsConsumed uint64         `json:"computeUnitsConsumed"`
}

type loadedAddrs struct {
	Writable []string `json:"writable"`
	Readonly []string `json:"readonly"`
}

// render encodes r; withSlot adds slot and blockTime (getTransaction).
func (o txOutput) render(r *txRecord, withSlot bool) (*txWithMeta, *rpcError) {
	if r.versioned() && o.maxVersion == nil {
		return nil, errUnsupportedVersion()
	}
	out := &txWithMeta{
		Transaction: o.encodeTx(r),
		Meta: txMeta{
			Err: r.err, Status: txStatus(r.err), Fee: r.fee, PreBalances: r.pre, PostBalances: r.post,
			InnerInstructions: []any{}, LogMessages: r.logs, PreTokenBalances: []any{},
			PostTokenBalances: []any{}, Rewards: []any{}, ComputeUnitsConsumed: r.units,
		},
	}
	if withSlot {
		slot, t := r.slot, r.blockTime
		out.Slot, out.BlockTime = &slot, &t
	}
	if o.maxVersion != nil {
		out.Version = "legacy"
		if r.versioned() {
			out.Version = 0
		}
		out.Meta.LoadedAddresses = &loadedAddrs{Writable: []string{}, Readonly: []string{}}
	}
	return out, nil
}

func (o txOutput) encodeTx(r *txRecord) any {
	switch o.encoding {
	case "base64":
		return [2]string{base64.StdEncoding.EncodeToString(r.wire), "base64"}
	case "base58":
		return [2]string{base58.Encode(r.wire), "base58"}
	}
	return uiTransaction(r.tx)
}

// uiInstruction, uiMessage and uiTx are agave's "json" transaction form.
type uiInstruction struct {
	ProgramIDIndex uint16   `json:"programIdIndex"`
	Accounts       []uint16 `json:"accounts"`
	Data           string   `json:"data"`
	StackHeight    *uint32  `json:"stackHeight"`
}

type uiMessage struct {
	AccountKeys         []solana.PublicKey   `json:"accountKeys"`
	Header              solana.MessageHeader `json:"header"`
	RecentBlockhash     solana.Hash          `json:"recentBlockhash"`
	Instructions        []uiInstruction      `json:"instructions"`
	AddressTableLookups []any                `json:"addressTableLookups,omitempty"`
}

type uiTx struct {
	Signatures []solana.Signature `json:"signatures"`
	Message    uiMessage          `json:"message"`
}

func uiTransaction(tx *solana.Transaction) uiTx {
	m := tx.Message
	out := uiTx{Signatures: tx.Signatures, Message: uiMessage{
		AccountKeys: m.AccountKeys, Header: m.Header, RecentBlockhash: m.RecentBlockhash,
		Instructions: make([]uiInstruction, len(m.Instructions)),
	}}
	for i, inst := range m.Instructions {
		accts := make([]uint16, len(inst.Accounts))
		copy(accts, inst.Accounts)
		out.Message.Instructions[i] = uiInstruction{
			ProgramIDIndex: inst.ProgramIDIndex, Accounts: accts, Data: base58.Encode(inst.Data),
		}
	}
	if m.IsVersioned() {
		out.Message.AddressTableLookups = []any{}
	}
	return out
}

// signatureInfo is one entry of getSignaturesForAddress.
type signatureInfo struct {
	Signature          solana.Signature `json:"signature"`
	Slot               uint64           `json:"slot"`
	Err                any              `json:"err"`
	Memo               *string          `json:"memo"`
	BlockTime          int64            `json:"blockTime"`
	ConfirmationStatus string           `json:"confirmationStatus"`
}

// errBlockMissing is agave's answer for a slot outside the kept range or
// not yet at the commitment.
func errBlockMissing(slot, first uint64) *rpcError {
	if slot < first {
		return &rpcError{Code: CodeBlockCleanedUp, Message: fmt.Sprintf(
			"Block %d cleaned up, does not exist on node. First available block: %d", slot, first)}
	}
	return &rpcError{Code: CodeBlockNotAvailable, Message: fmt.Sprintf("Block not available for slot %d", slot)}
}
