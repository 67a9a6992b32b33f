package solanasim

import (
	"encoding/json"

	"github.com/gagliardetto/solana-go"
)

// Agave's caps on history queries.
const (
	maxSignaturesForAddress = 1000    // MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT
	maxBlockRange           = 500_000 // MAX_GET_CONFIRMED_BLOCKS_RANGE
)

// historyCommitment resolves the commitment of history methods, which
// refuse processed as agave does.
func (s *Sim) historyCommitment(cfg commitmentConfig) (commitment, *rpcError) {
	c, e := s.readCommitment(cfg)
	if e == nil && c == commitProcessed {
		return c, errInvalidParams("Method does not support commitment below `confirmed`")
	}
	return c, e
}

// txConfig is getTransaction's and getBlock's config.
type txConfig struct {
	commitmentConfig
	Encoding                       string `json:"encoding"`
	MaxSupportedTransactionVersion *uint8 `json:"maxSupportedTransactionVersion"`
	TransactionDetails             string `json:"transactionDetails"`
	Rewards                        *bool  `json:"rewards"`
}

func (s *Sim) readTxConfig(raw json.RawMessage) (txConfig, txOutput, commitment, *rpcError) {
	var cfg txConfig
	var enc string
	if json.Unmarshal(raw, &enc) == nil { // the deprecated form: just an encoding
		cfg.Encoding = enc
	} else if e := configParam(raw, &cfg); e != nil {
		return cfg, txOutput{}, 0, e
	}
	out, e := readTxOutput(cfg.Encoding, cfg.MaxSupportedTransactionVersion)
	if e != nil {
		return cfg, out, 0, e
	}
	c, e := s.historyCommitment(cfg.commitmentConfig)
	return cfg, out, c, e
}

// getTransaction answers a transaction once its slot has reached the
// commitment (confirmed or finalized), or null.
func (s *Sim) getTransaction(params json.RawMessage) (any, *rpcError) {
	sig, args, e := leading(params, 1, 2, signatureParam)
	if e != nil {
		return nil, e
	}
	_, out, c, e := s.readTxConfig(optional(args, 1))
	if e != nil {
		return nil, e
	}
	r := s.ledger.transaction(sig, c)
	if r == nil {
		return nil, nil
	}
	return out.render(r, true)
}

func (l *ledger) transaction(sig solana.Signature, c commitment) *txRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.hist.txs[sig]
	if r == nil || r.slot > l.slotAtLocked(c) {
		return nil
	}
	return r
}

func (s *Sim) getSignaturesForAddress(params json.RawMessage) (any, *rpcError) {
	addr, args, e := leading(params, 1, 2, pubkeyParam)
	if e != nil {
		return nil, e
	}
	var cfg struct {
		commitmentConfig
		Limit  *int   `json:"limit"`
		Before string `json:"before"`
		Until  string `json:"until"`
	}
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	q := sigQuery{addr: addr, limit: maxSignaturesForAddress}
	if cfg.Limit != nil {
		if *cfg.Limit < 1 || *cfg.Limit > maxSignaturesForAddress {
			return nil, errInvalidParams("Invalid limit; max %d", maxSignaturesForAddress)
		}
		q.limit = *cfg.Limit
	}
	for _, b := range []struct {
		text string
		to   **solana.Signature
	}{{cfg.Before, &q.before}, {cfg.Until, &q.until}} {
		if b.text != "" {
			sig, e := signatureParam(json.RawMessage(`"` + b.text + `"`))
			if e != nil {
				return nil, e
			}
			*b.to = &sig
		}
	}
	if q.c, e = s.historyCommitment(cfg.commitmentConfig); e != nil {
		return nil, e
	}
	return s.ledger.signaturesFor(q), nil
}

// sigQuery is one getSignaturesForAddress search.
type sigQuery struct {
	addr          solana.PublicKey
	c             commitment
	before, until *solana.Signature
	limit         int
}

// signaturesFor walks the kept blocks newest first.
func (l *ledger) signaturesFor(q sigQuery) []signatureInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []signatureInfo{}
	started := q.before == nil
	for slot := l.slotAtLocked(q.c); slot >= l.hist.first && len(out) < q.limit; slot-- {
		b := l.hist.blocks[slot]
		for i := len(b.txs) - 1; i >= 0 && len(out) < q.limit; i-- {
			r := b.txs[i]
			switch {
			case q.until != nil && r.sig == *q.until:
				return out
			case !started:
				started = r.sig == *q.before
			case r.mentions(q.addr):
				out = append(out, signatureInfo{
					Signature: r.sig, Slot: r.slot, Err: r.err, BlockTime: r.blockTime,
					ConfirmationStatus: l.reachedLocked(r.slot).String(),
				})
			}
		}
		if slot == 0 {
			break
		}
	}
	return out
}

// blockAt returns a kept block at or below the commitment's slot.
func (l *ledger) blockAt(slot uint64, c commitment) (*block, *rpcError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if slot < l.hist.first || slot > l.slotAtLocked(c) {
		return nil, errBlockMissing(slot, l.hist.first)
	}
	return l.hist.blocks[slot], nil
}

// getBlock renders a confirmed block with full, signatures or no
// transaction details; rewards are always empty.
func (s *Sim) getBlock(params json.RawMessage) (any, *rpcError) {
	slot, args, e := leading(params, 1, 2, uintNamed("slot"))
	if e != nil {
		return nil, e
	}
	cfg, out, c, e := s.readTxConfig(optional(args, 1))
	if e != nil {
		return nil, e
	}
	b, e := s.ledger.blockAt(slot, c)
	if e != nil {
		return nil, e
	}
	res := map[string]any{
		"blockHeight": b.slot, "blockTime": b.time, "blockhash": b.hash,
		"parentSlot": b.parent, "previousBlockhash": b.prevHash,
	}
	if cfg.Rewards == nil || *cfg.Rewards {
		res["rewards"] = []any{}
	}
	switch cfg.TransactionDetails {
	case "", "full":
		txs := make([]*txWithMeta, len(b.txs))
		for i, r := range b.txs {
			if txs[i], e = out.render(r, false); e != nil {
				return nil, e
			}
		}
		res["transactions"] = txs
	case "signatures":
		sigs := make([]solana.Signature, len(b.txs))
		for i, r := range b.txs {
			sigs[i] = r.sig
		}
		res["signatures"] = sigs
	case "none":
	default:
		return nil, errInvalidParams("Invalid params: transactionDetails %q is not simulated: use full, signatures or none", cfg.TransactionDetails)
	}
	return res, nil
}

// getBlocks lists the kept blocks in [start, end] up to the commitment's
// slot; the simulator skips no slot. The second argument is an end slot or
// the config.
func (s *Sim) getBlocks(params json.RawMessage) (any, *rpcError) {
	start, args, e := leading(params, 1, 3, uintNamed("start slot"))
	if e != nil {
		return nil, e
	}
	end := uint64(start + maxBlockRange)
	cfgArg := optional(args, 2)
	if second := optional(args, 1); second != nil {
		if n, e := uintParam(second, "end slot"); e == nil {
			end = n
		} else {
			cfgArg = second
		}
	}
	if end > start && end-start > maxBlockRange {
		return nil, errInvalidParams("Slot range too large; max %d", maxBlockRange)
	}
	return s.blocksIn(start, end, cfgArg)
}

func (s *Sim) getBlocksWithLimit(params json.RawMessage) (any, *rpcError) {
	start, args, e := leading(params, 2, 3, uintNamed("start slot"))
	if e != nil {
		return nil, e
	}
	limit, e := uintParam(args[1], "limit")
	if e != nil {
		return nil, e
	}
	if limit > maxBlockRange {
		return nil, errInvalidParams("Limit too large; max %d", maxBlockRange)
	}
	if limit == 0 {
		return []uint64{}, nil
	}
	return s.blocksIn(start, start+limit-1, optional(args, 2))
}

func (s *Sim) blocksIn(start, end uint64, cfgArg json.RawMessage) (any, *rpcError) {
	var cfg commitmentConfig
	if e := configParam(cfgArg, &cfg); e != nil {
		return nil, e
	}
	c, e := s.historyCommitment(cfg)
	if e != nil {
		return nil, e
	}
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	out := []uint64{}
	for slot := max(start, s.ledger.hist.first); slot <= min(end, s.ledger.slotAtLocked(c)); slot++ {
		out = append(out, slot)
	}
	return out, nil
}

// getBlockTime answers a confirmed block's time in unix seconds.
func (s *Sim) getBlockTime(params json.RawMessage) (any, *rpcError) {
	slot, _, e := leading(params, 1, 1, uintNamed("slot"))
	if e != nil {
		return nil, e
	}
	b, e := s.ledger.blockAt(slot, commitConfirmed)
	if e != nil {
		return nil, e
	}
	return b.time, nil
}

// getFirstAvailableBlock (and minimumLedgerSlot) is the oldest kept block.
func (s *Sim) getFirstAvailableBlock(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	return s.ledger.hist.first, nil
}
