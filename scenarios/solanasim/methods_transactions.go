package solanasim

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/mr-tron/base58"
)

// maxSignatureStatuses is agave's MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS.
const maxSignatureStatuses = 256

// sendConfig is sendTransaction's optional config. Preflight always runs at
// the working slot: skipPreflight and preflightCommitment are checked and
// otherwise ignored.
type sendConfig struct {
	Encoding            string  `json:"encoding"`
	SkipPreflight       bool    `json:"skipPreflight"`
	PreflightCommitment string  `json:"preflightCommitment"`
	MaxRetries          *uint64 `json:"maxRetries"`
	MinContextSlot      *uint64 `json:"minContextSlot"`
}

// sendTransaction decodes, verifies every ed25519 signature and lands the
// transaction in the working slot (fee, then system transfers); it is
// processed at once and reaches confirmed and finalized as slots pass.
// Other instructions are accepted and do nothing: no program runs here.
func (s *Sim) sendTransaction(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	cfg := sendConfig{Encoding: "base58"} // agave's default
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	if _, e := parseCommitment(cfg.PreflightCommitment); e != nil {
		return nil, e
	}
	tx, wire, e := decodeTransaction(args[0], cfg.Encoding)
	if e != nil {
		return nil, e
	}
	if err := tx.VerifySignatures(); err != nil {
		return nil, errSignatureFailure()
	}
	if _, err := s.ledger.submit(tx, wire); err != nil {
		return nil, preflightFailure(err)
	}
	s.pubsub.received(tx.Signatures[0])
	return tx.Signatures[0].String(), nil
}

func errSignatureFailure() *rpcError {
	return &rpcError{Code: CodeSignatureFailure, Message: "Transaction signature verification failure"}
}

// preflightFailure reports a refused transaction as agave's -32002 with the
// simulation result as data.
func preflightFailure(err error) *rpcError {
	pe, ok := err.(*preflightError)
	if !ok {
		return errInvalidParams("invalid transaction: %v", err)
	}
	logs := pe.logs
	if logs == nil {
		logs = []string{}
	}
	return &rpcError{
		Code:    CodePreflightFailure,
		Message: "Transaction simulation failed: " + pe.msg,
		Data: map[string]any{
			"err": pe.reason, "logs": logs, "accounts": nil, "unitsConsumed": pe.units,
			"returnData": nil, "innerInstructions": nil,
		},
	}
}

// airdrop has the faucet sign and land a transfer to pk. A duplicate (same
// amount to the same key within one slot) answers the first signature.
func (s *Sim) airdrop(pk solana.PublicKey, lamports uint64) (solana.Signature, error) {
	faucet := s.keys.faucet
	recent := s.ledger.chain.blockhashAt(s.ledger.slotAt(commitProcessed))
	tx, err := solana.NewTransaction(
		[]solana.Instruction{system.NewTransferInstruction(lamports, faucet.PublicKey(), pk).Build()},
		recent, solana.TransactionPayer(faucet.PublicKey()))
	if err != nil {
		return solana.Signature{}, err
	}
	if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &faucet }); err != nil {
		return solana.Signature{}, err
	}
	wire, err := tx.MarshalBinary()
	if err != nil {
		return solana.Signature{}, err
	}
	_, err = s.ledger.submit(tx, wire)
	if pe, ok := err.(*preflightError); ok && pe.reason == "AlreadyProcessed" {
		return tx.Signatures[0], nil
	}
	if err != nil {
		return solana.Signature{}, err
	}
	s.pubsub.received(tx.Signatures[0])
	return tx.Signatures[0], nil
}

// decodeTransaction reads the wire transaction and rejects what cannot be
// sanitized: no signatures, or address lookup tables (not simulated).
func decodeTransaction(raw json.RawMessage, encoding string) (*solana.Transaction, []byte, *rpcError) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, nil, errInvalidParams("Invalid params: transaction must be an encoded string")
	}
	var wire []byte
	var err error
	switch encoding {
	case "base64":
		wire, err = base64.StdEncoding.DecodeString(text)
	case "base58":
		wire, err = base58.Decode(text)
	default:
		return nil, nil, errInvalidParams("unsupported encoding: %s. Supported encodings: base58, base64", encoding)
	}
	if err != nil {
		return nil, nil, errInvalidParams("invalid %s encoding: %v", encoding, err)
	}
	tx, err := solana.TransactionFromBytes(wire)
	if err != nil {
		return nil, nil, errInvalidParams("failed to deserialize solana_sdk::transaction::versioned::VersionedTransaction: %v", err)
	}
	switch {
	case len(tx.Signatures) == 0 || len(tx.Message.AccountKeys) == 0:
		return nil, nil, errInvalidParams("invalid transaction: Transaction has no signatures")
	case len(tx.Signatures) != int(tx.Message.Header.NumRequiredSignatures):
		return nil, nil, errInvalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly")
	case len(tx.Message.AddressTableLookups) > 0:
		return nil, nil, errInvalidParams("invalid transaction: address lookup tables are not simulated")
	}
	return tx, wire, nil
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
	parsed := make([]solana.Signature, len(sigs))
	for i, raw := range sigs {
		if parsed[i], e = signatureParam(raw); e != nil {
			return nil, e
		}
	}
	statuses, slot := s.ledger.statuses(parsed)
	return withContext{Context: s.context(slot), Value: statuses}, nil
}

// statuses looks signatures up in the kept history. A transaction is
// processed in its slot, confirmed once the confirmed slot reaches it and
// finalized (confirmations null) once the root does.
func (l *ledger) statuses(sigs []solana.Signature) ([]*signatureStatus, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*signatureStatus, len(sigs))
	for i, sig := range sigs {
		r := l.hist.txs[sig]
		if r == nil {
			continue
		}
		st := &signatureStatus{Slot: r.slot, Err: r.err, Status: txStatus(r.err)}
		c := l.reachedLocked(r.slot)
		st.ConfirmationStatus = c.String()
		if c != commitFinalized {
			n := l.slot - r.slot
			st.Confirmations = &n
		}
		out[i] = st
	}
	return out, l.slot
}

// reachedLocked is the highest commitment level slot has reached.
func (l *ledger) reachedLocked(slot uint64) commitment {
	switch {
	case slot <= l.slotAtLocked(commitFinalized):
		return commitFinalized
	case slot <= l.slotAtLocked(commitConfirmed):
		return commitConfirmed
	}
	return commitProcessed
}

// txStatus is the deprecated {"Ok":null} / {"Err":…} status field.
func txStatus(err any) map[string]any {
	if err != nil {
		return map[string]any{"Err": err}
	}
	return map[string]any{"Ok": nil}
}
