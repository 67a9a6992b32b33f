package solanasim

import (
	"encoding/json"
	"time"

	"github.com/gagliardetto/solana-go"
)

// notification is a PubSub notification: only jsonrpc, method and params,
// as agave sends them.
type notification struct {
	JSONRPC string      `json:"jsonrpc"`
	Method  string      `json:"method"`
	Params  notifParams `json:"params"`
}

type notifParams struct {
	Result       any    `json:"result"`
	Subscription uint64 `json:"subscription"`
}

// slotContext is a notification's context: agave leaves apiVersion out.
type slotContext struct {
	Slot uint64 `json:"slot"`
}

// contextValue is the {"context":{"slot"},"value"} wrapper.
type contextValue struct {
	Context slotContext `json:"context"`
	Value   any         `json:"value"`
}

func withSlot(slot uint64, v any) contextValue { return contextValue{slotContext{slot}, v} }

type signatureValue struct {
	Err any `json:"err"`
}

type slotValue struct {
	Parent uint64 `json:"parent"`
	Root   uint64 `json:"root"`
	Slot   uint64 `json:"slot"`
}

type logsValue struct {
	Signature solana.Signature `json:"signature"`
	Err       any              `json:"err"`
	Logs      []string         `json:"logs"`
}

// notifyLocked sends one notification of sub's kind.
func (h *hub) notifyLocked(sub *subscription, result any) {
	b, err := json.Marshal(notification{
		JSONRPC: "2.0", Method: sub.kind.notificationMethod(),
		Params: notifParams{Result: result, Subscription: sub.id},
	})
	if err != nil {
		h.log.Error("solanasim pubsub: encode notification", "kind", sub.kind.String(), "err", err)
		return
	}
	var at time.Time
	if c := h.mode(); c.Mode == ModePubSubSlow {
		at = time.Now().Add(c.Delay)
	}
	h.sendAtLocked(sub.conn, b, at)
}

// publish tells every subscription about one slot tick. It only queues
// messages, so it never waits for a subscriber.
func (h *hub) publish(ev *slotEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, sub := range h.subs {
		switch sub.kind {
		case kindSlot:
			h.notifyLocked(sub, slotValue{Parent: ev.parent, Root: ev.root, Slot: ev.slot})
		case kindRoot:
			if ev.rootMoved {
				h.notifyLocked(sub, ev.root)
			}
		default:
			if f := ev.reached[sub.c]; f != nil && h.notifyFrozenLocked(sub, f) {
				delete(h.subs, id)
			}
		}
	}
}

// notifyFrozenLocked notifies sub of what happened in a slot that reached
// its commitment; true means the subscription is over (a signature
// subscription ends with its one notification).
func (h *hub) notifyFrozenLocked(sub *subscription, f *frozenSlot) bool {
	switch sub.kind {
	case kindSignature:
		for _, r := range f.txs {
			if r.sig == sub.sig {
				h.notifyLocked(sub, withSlot(f.slot, signatureValue{Err: r.err}))
				return true
			}
		}
	case kindAccount:
		for _, ka := range f.accounts {
			if ka.pubkey == sub.pubkey {
				h.notifyLocked(sub, withSlot(f.slot, notifiedAccount(ka.state, sub.account)))
			}
		}
	case kindProgram:
		for _, ka := range f.accounts {
			if sub.matchesProgram(ka) {
				v := keyedJSON{Pubkey: ka.pubkey, Account: notifiedAccount(ka.state, sub.account)}
				h.notifyLocked(sub, withSlot(f.slot, v))
			}
		}
	case kindLogs:
		for _, r := range f.txs {
			if sub.allLogs || r.mentions(sub.pubkey) {
				h.notifyLocked(sub, withSlot(f.slot, logsValue{Signature: r.sig, Err: r.err, Logs: r.logs}))
			}
		}
	}
	return false
}

// notifiedAccount renders an account for a notification: an account
// emptied to zero lamports is still sent, system-owned and empty, as agave
// does.
func notifiedAccount(st accountState, cfg accountConfig) *account {
	if st.lamports == 0 {
		st = accountState{owner: solana.SystemProgramID}
	}
	return renderAccount(st, cfg)
}
