package solanasim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/mr-tron/base58"
)

// maxSignatureStatuses is agave's MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS.
const maxSignatureStatuses = 256

// sendConfig is sendTransaction's optional config. Preflight always runs:
// skipPreflight is accepted and ignored.
type sendConfig struct {
	Encoding            string  `json:"encoding"`
	SkipPreflight       bool    `json:"skipPreflight"`
	PreflightCommitment string  `json:"preflightCommitment"`
	MaxRetries          *uint64 `json:"maxRetries"`
	MinContextSlot      *uint64 `json:"minContextSlot"`
}

// sendTransaction decodes, verifies every ed25519 signature, applies system
// transfers and the 5000-lamport-per-signature fee, and lands the
// transaction at once as finalized. Other instructions are accepted and do
// nothing: no program runs here.
func (s *Sim) sendTransaction(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	cfg := sendConfig{Encoding: "base58"} // agave's default
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	tx, e := decodeTransaction(args[0], cfg.Encoding)
	if e != nil {
		return nil, e
	}
	if err := tx.VerifySignatures(); err != nil {
		return nil, &rpcError{Code: CodeSignatureFailure, Message: "Transaction signature verification failure"}
	}
	transfers, err := systemTransfers(tx)
	if err == nil {
		fee := lamportsPerSignature * uint64(len(tx.Signatures))
		err = s.ledger.apply(tx.Signatures[0], tx.Message.RecentBlockhash, tx.Message.AccountKeys[0], fee, transfers)
	}
	if pe := (*preflightError)(nil); errors.As(err, &pe) {
		return nil, &rpcError{
			Code:    CodePreflightFailure,
			Message: "Transaction simulation failed: " + pe.msg,
			Data: map[string]any{
				"err": pe.reason, "logs": []string{}, "accounts": nil, "unitsConsumed": 0,
				"returnData": nil, "innerInstructions": nil,
			},
		}
	}
	if err != nil {
		return nil, errInvalidParams("invalid transaction: %v", err)
	}
	return tx.Signatures[0].String(), nil
}

// decodeTransaction reads the wire transaction and rejects what cannot be
// sanitized: no signatures, or address lookup tables (not simulated).
func decodeTransaction(raw json.RawMessage, encoding string) (*solana.Transaction, *rpcError) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, errInvalidParams("Invalid params: transaction must be an encoded string")
	}
	var wire []byte
	var err error
	switch encoding {
	case "base64":
		wire, err = base64.StdEncoding.DecodeString(text)
	case "base58":
		wire, err = base58.Decode(text)
	default:
		return nil, errInvalidParams("unsupported encoding: %s. Supported encodings: base58, base64", encoding)
	}
	if err != nil {
		return nil, errInvalidParams("invalid %s encoding: %v", encoding, err)
	}
	tx, err := solana.TransactionFromBytes(wire)
	if err != nil {
		return nil, errInvalidParams("failed to deserialize solana_sdk::transaction::versioned::VersionedTransaction: %v", err)
	}
	switch {
	case len(tx.Signatures) == 0 || len(tx.Message.AccountKeys) == 0:
		return nil, errInvalidParams("invalid transaction: Transaction has no signatures")
	case len(tx.Message.AddressTableLookups) > 0:
		return nil, errInvalidParams("invalid transaction: address lookup tables are not simulated")
	}
	return tx, nil
}

// systemTransfers extracts the system program's Transfer instructions.
func systemTransfers(tx *solana.Transaction) ([]transfer, error) {
	var out []transfer
	for i, inst := range tx.Message.Instructions {
		program, err := tx.ResolveProgramIDIndex(inst.ProgramIDIndex)
		if err != nil {
			return nil, fmt.Errorf("instruction %d: %w", i, err)
		}
		if !program.Equals(solana.SystemProgramID) {
			continue
		}
		accounts, err := inst.ResolveInstructionAccounts(&tx.Message)
		if err != nil {
			return nil, fmt.Errorf("instruction %d: %w", i, err)
		}
		decoded, err := system.DecodeInstruction(accounts, inst.Data)
		if err != nil {
			return nil, fmt.Errorf("instruction %d: %w", i, err)
		}
		t, ok := decoded.Impl.(*system.Transfer)
		if !ok || t.Lamports == nil {
			continue
		}
		from, to := t.GetFundingAccount(), t.GetRecipientAccount()
		if from == nil || to == nil {
			return nil, fmt.Errorf("instruction %d: transfer needs 2 accounts", i)
		}
		if !tx.IsSigner(from.PublicKey) {
			return nil, &preflightError{
				fmt.Sprintf("Error processing Instruction %d: missing required signature for instruction", i),
				map[string]any{"InstructionError": []any{i, "MissingRequiredSignature"}},
			}
		}
		out = append(out, transfer{index: i, from: from.PublicKey, to: to.PublicKey, lamports: *t.Lamports})
	}
	return out, nil
}

// signatureStatus is one entry of getSignatureStatuses.
type signatureStatus struct {
	Slot               uint64         `json:"slot"`
	Confirmations      *uint64        `json:"confirmations"`
	Err                any            `json:"err"`
	Status             map[string]any `json:"status"`
	ConfirmationStatus string         `json:"confirmationStatus"`
}

func (s *Sim) getSignatureStatuses(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	var sigs []json.RawMessage
	if err := json.Unmarshal(args[0], &sigs); err != nil {
		return nil, errInvalidParams("Invalid params: expected an array of signatures")
	}
	if len(sigs) > maxSignatureStatuses {
		return nil, errInvalidParams("Too many inputs provided; max %d", maxSignatureStatuses)
	}
	var cfg struct {
		SearchTransactionHistory bool `json:"searchTransactionHistory"`
	}
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	statuses := make([]*signatureStatus, len(sigs))
	for i, raw := range sigs {
		sig, e := signatureParam(raw)
		if e != nil {
			return nil, e
		}
		if slot, ok := s.ledger.status(sig); ok {
			statuses[i] = &signatureStatus{
				Slot: slot, Status: map[string]any{"Ok": nil}, ConfirmationStatus: "finalized",
			}
		}
	}
	return withContext{Context: s.context(s.Slot()), Value: statuses}, nil
}
