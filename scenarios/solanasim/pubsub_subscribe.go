package solanasim

import (
	"bytes"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
)

// subKind is what a subscription watches.
type subKind int

const (
	kindSlot subKind = iota
	kindRoot
	kindSignature
	kindAccount
	kindProgram
	kindLogs
)

var subKindNames = [...]string{"slot", "root", "signature", "account", "program", "logs"}

func (k subKind) String() string { return subKindNames[k] }

// notificationMethod is the method name of k's notifications.
func (k subKind) notificationMethod() string { return k.String() + "Notification" }

// subscription is one live subscription of one connection.
type subscription struct {
	id       uint64
	conn     *conn
	kind     subKind
	c        commitment
	pubkey   solana.PublicKey // account, program, logs mentions
	sig      solana.Signature
	received bool          // signature: enableReceivedNotification
	account  accountConfig // account, program: encoding and data slice
	filters  []accountFilter
	allLogs  bool
}

type subscribeParser func(params json.RawMessage) (*subscription, *rpcError)

// subscribeParsers is the PubSub subscribe method table.
func subscribeParsers() map[string]subscribeParser {
	return map[string]subscribeParser{
		"slotSubscribe":      noParams(kindSlot),
		"rootSubscribe":      noParams(kindRoot),
		"signatureSubscribe": parseSignatureSubscribe,
		"accountSubscribe":   parseAccountSubscribe,
		"programSubscribe":   parseProgramSubscribe,
		"logsSubscribe":      parseLogsSubscribe,
	}
}

// unsubscribeMethods maps each unsubscribe method to the kind it names.
func unsubscribeMethods() map[string]subKind {
	out := make(map[string]subKind, len(subKindNames))
	for k, name := range subKindNames {
		out[name+"Unsubscribe"] = subKind(k)
	}
	return out
}

func noParams(k subKind) subscribeParser {
	return func(params json.RawMessage) (*subscription, *rpcError) {
		if _, e := positional(params, 0, 0); e != nil {
			return nil, e
		}
		return &subscription{kind: k}, nil
	}
}

// subCommitment parses a subscription's commitment; agave's default is
// finalized. minContextSlot does not apply to subscriptions.
func subCommitment(cfg commitmentConfig) (commitment, *rpcError) {
	return parseCommitment(cfg.Commitment)
}

func parseSignatureSubscribe(params json.RawMessage) (*subscription, *rpcError) {
	sig, args, e := leading(params, 1, 2, signatureParam)
	if e != nil {
		return nil, e
	}
	sub := &subscription{kind: kindSignature, sig: sig}
	var cfg struct {
		commitmentConfig
		EnableReceivedNotification bool `json:"enableReceivedNotification"`
	}
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	sub.received = cfg.EnableReceivedNotification
	sub.c, e = subCommitment(cfg.commitmentConfig)
	return sub, e
}

func parseAccountSubscribe(params json.RawMessage) (*subscription, *rpcError) {
	pk, args, e := leading(params, 1, 2, pubkeyParam)
	if e != nil {
		return nil, e
	}
	sub := &subscription{kind: kindAccount, pubkey: pk}
	if sub.account, e = parseAccountConfig(optional(args, 1)); e != nil {
		return nil, e
	}
	sub.c, e = subCommitment(sub.account.commitmentConfig)
	return sub, e
}

func parseProgramSubscribe(params json.RawMessage) (*subscription, *rpcError) {
	program, cfg, e := parseProgramArgs(params)
	if e != nil {
		return nil, e
	}
	sub := &subscription{kind: kindProgram, pubkey: program, account: cfg.accountConfig, filters: cfg.Filters}
	sub.c, e = subCommitment(cfg.commitmentConfig)
	return sub, e
}

// parseLogsSubscribe takes "all", "allWithVotes" (no votes happen here) or
// {"mentions":[one pubkey]}.
func parseLogsSubscribe(params json.RawMessage) (*subscription, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return nil, e
	}
	sub := &subscription{kind: kindLogs}
	var word string
	if json.Unmarshal(args[0], &word) == nil {
		if word != "all" && word != "allWithVotes" {
			return nil, errInvalidParams("Invalid params: logs filter %q: use \"all\", \"allWithVotes\" or {\"mentions\":[pubkey]}", word)
		}
		sub.allLogs = true
	} else {
		var f struct {
			Mentions []json.RawMessage `json:"mentions"`
		}
		if err := json.Unmarshal(args[0], &f); err != nil {
			return nil, errInvalidParams("Invalid params: logs filter must be \"all\", \"allWithVotes\" or {\"mentions\":[pubkey]}")
		}
		if len(f.Mentions) != 1 {
			return nil, errInvalidParams("Invalid Request: Only 1 address supported")
		}
		if sub.pubkey, e = pubkeyParam(f.Mentions[0]); e != nil {
			return nil, e
		}
	}
	var cfg commitmentConfig
	if e := configParam(optional(args, 1), &cfg); e != nil {
		return nil, e
	}
	sub.c, e = subCommitment(cfg)
	return sub, e
}

// signatureDoneLocked notifies a new signature subscription at once when
// its transaction has already reached the commitment, as agave does.
func (h *hub) signatureDoneLocked(sub *subscription) bool {
	h.ledger.mu.Lock()
	r := h.ledger.hist.txs[sub.sig]
	done := r != nil && r.slot <= h.ledger.notifiedLocked(sub.c)
	h.ledger.mu.Unlock()
	if done {
		h.notifyLocked(sub, withSlot(r.slot, signatureValue{Err: r.err}))
	}
	return done
}

// received sends "receivedSignature" to subscriptions that asked for it
// (enableReceivedNotification) when a transaction lands.
func (h *hub) received(sig solana.Signature) {
	h.mu.Lock()
	defer h.mu.Unlock()
	slot := h.ledger.slotAt(commitProcessed)
	for _, sub := range h.subs {
		if sub.kind == kindSignature && sub.received && sub.sig == sig {
			h.notifyLocked(sub, withSlot(slot, "receivedSignature"))
		}
	}
}

// matchesProgram reports whether ka is owned by the subscription's program
// and passes its filters.
func (sub *subscription) matchesProgram(ka keyedAccount) bool {
	return bytes.Equal(ka.state.owner[:], sub.pubkey[:]) && matches(ka.state, sub.filters)
}
