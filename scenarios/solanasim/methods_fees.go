package solanasim

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
)

// maxPrioritizationFeeAccounts is agave's MAX_TX_ACCOUNT_LOCKS.
const maxPrioritizationFeeAccounts = 128

// getFeeForMessage answers 5000 lamports a signature plus the priority fee,
// or null when the message's blockhash is unknown or expired.
func (s *Sim) getFeeForMessage(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	var text string
	if err := json.Unmarshal(args[0], &text); err != nil {
		return nil, errInvalidParams("Invalid params: message must be a base64 string")
	}
	c, e := s.commitmentArg(optional(args, 1))
	if e != nil {
		return nil, e
	}
	if _, err := base64.StdEncoding.DecodeString(text); err != nil {
		return nil, errInvalidParams("invalid base64 encoding: %v", err)
	}
	var msg solana.Message
	if err := msg.UnmarshalBase64(text); err != nil {
		return nil, errInvalidParams("invalid transaction message: %v", err)
	}
	valid, slot := s.ledger.blockhashValid(msg.RecentBlockhash, c)
	var fee *uint64
	if valid {
		f := readComputeBudget(&msg).fee(int(msg.Header.NumRequiredSignatures))
		fee = &f
	}
	return withContext{Context: s.context(slot), Value: fee}, nil
}

func (s *Sim) isBlockhashValid(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	b, e := decodeBase58(args[0], 32, 44)
	if e != nil {
		return nil, e
	}
	c, e := s.commitmentArg(optional(args, 1))
	if e != nil {
		return nil, e
	}
	valid, slot := s.ledger.blockhashValid(solana.HashFromBytes(b), c)
	return withContext{Context: s.context(slot), Value: valid}, nil
}

// prioritizationFee is one entry of getRecentPrioritizationFees.
type prioritizationFee struct {
	Slot              uint64 `json:"slot"`
	PrioritizationFee uint64 `json:"prioritizationFee"`
}

// getRecentPrioritizationFees lists, for each of the last 150 kept slots,
// the lowest compute-unit price paid by a transaction in it (one that
// write-locks one of the given accounts, if any are given); 0 without one.
func (s *Sim) getRecentPrioritizationFees(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 0, 1)
	if e != nil {
		return nil, e
	}
	var pks []solana.PublicKey
	if len(args) == 1 {
		if pks, e = pubkeysParam(args[0], maxPrioritizationFeeAccounts); e != nil {
			return nil, e
		}
	}
	return s.ledger.prioritizationFees(pks), nil
}

func (l *ledger) prioritizationFees(pks []solana.PublicKey) []prioritizationFee {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []prioritizationFee{}
	top := l.slotAtLocked(commitConfirmed)
	for slot := max(l.hist.first, top-min(top, blockhashValidity-1)); slot <= top; slot++ {
		fee, seen := uint64(0), false
		for _, r := range l.hist.blocks[slot].txs {
			if (len(pks) == 0 || writesAny(r, pks)) && (!seen || r.price < fee) {
				fee, seen = r.price, true
			}
		}
		out = append(out, prioritizationFee{Slot: slot, PrioritizationFee: fee})
	}
	return out
}

func writesAny(r *txRecord, pks []solana.PublicKey) bool {
	for _, w := range r.writable {
		for _, pk := range pks {
			if w == pk {
				return true
			}
		}
	}
	return false
}

// simulateConfig is simulateTransaction's config.
type simulateConfig struct {
	commitmentConfig
	Encoding               string `json:"encoding"`
	SigVerify              bool   `json:"sigVerify"`
	ReplaceRecentBlockhash bool   `json:"replaceRecentBlockhash"`
	Accounts               *struct {
		Encoding  string            `json:"encoding"`
		Addresses []json.RawMessage `json:"addresses"`
	} `json:"accounts"`
}

// simulateResult is simulateTransaction's value.
type simulateResult struct {
	Err                  any              `json:"err"`
	Logs                 []string         `json:"logs"`
	Accounts             []*account       `json:"accounts"`
	UnitsConsumed        uint64           `json:"unitsConsumed"`
	ReturnData           any              `json:"returnData"`
	InnerInstructions    any              `json:"innerInstructions"`
	ReplacementBlockhash *latestBlockhash `json:"replacementBlockhash,omitempty"`
}

// simulateTransaction runs the transaction against the working slot
// without landing it; failures are reported in value.err, not as errors.
func (s *Sim) simulateTransaction(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	cfg := simulateConfig{Encoding: "base58"}
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	if cfg.SigVerify && cfg.ReplaceRecentBlockhash {
		return nil, errInvalidParams("sigVerify may not be used with replaceRecentBlockhash")
	}
	c, e := s.readCommitment(cfg.commitmentConfig)
	if e != nil {
		return nil, e
	}
	tx, _, e := decodeTransaction(args[0], cfg.Encoding)
	if e != nil {
		return nil, e
	}
	if cfg.SigVerify && tx.VerifySignatures() != nil {
		return nil, errSignatureFailure()
	}
	var addrs []solana.PublicKey
	acfg := accountConfig{Encoding: "base64"}
	if cfg.Accounts != nil {
		if addrs, e = pubkeysList(cfg.Accounts.Addresses, len(tx.Message.AccountKeys)); e != nil {
			return nil, e
		}
		if cfg.Accounts.Encoding != "" {
			acfg.Encoding = cfg.Accounts.Encoding
		}
		if e := checkEncoding(acfg.Encoding); e != nil {
			return nil, e
		}
	}
	res := simulateResult{}
	if cfg.ReplaceRecentBlockhash {
		lb := s.latestBlockhash(s.ledger.slotAt(c))
		tx.Message.RecentBlockhash, res.ReplacementBlockhash = lb.Blockhash, &lb
	}
	r, states, slot := s.ledger.simulate(tx, addrs)
	res.Err, res.Logs, res.UnitsConsumed = r.err, r.logs, r.units
	if res.Logs == nil {
		res.Logs = []string{}
	}
	if cfg.Accounts != nil {
		res.Accounts = make([]*account, len(states))
		for i, st := range states {
			res.Accounts[i] = encodeAccount(st, acfg)
		}
	}
	return withContext{Context: s.context(slot), Value: res}, nil
}
