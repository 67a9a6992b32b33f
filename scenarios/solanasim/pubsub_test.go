package solanasim

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gorilla/websocket"
)

// dialPubSub serves h.sim's PubSub and opens a raw websocket to it.
func dialPubSub(t *testing.T, h *harness) *websocket.Conn {
	t.Helper()
	srv := httptest.NewServer(h.sim.PubSubHandler())
	t.Cleanup(srv.Close)
	c, _, err := websocket.DefaultDialer.DialContext(callCtx(t), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatalf("dial PubSub: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// call sends one request and returns the next frame as JSON.
func call(t *testing.T, c *websocket.Conn, req string) map[string]any {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		t.Fatalf("write %s: %v", req, err)
	}
	return next(t, c)
}

func next(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitBound))
	_, frame, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(frame, &out); err != nil {
		t.Fatalf("frame %s is not JSON: %v", frame, err)
	}
	return out
}

// TestSignatureSubscribeReceivedThenCommitments pins the validator's
// sequence: receivedSignature when the transaction lands, then one
// notification at the asked commitment with the slot it landed in, after
// which the subscription is gone.
func TestSignatureSubscribeReceivedThenCommitments(t *testing.T) {
	h := start(t, Options{FinalizedLag: 4})
	c := dialPubSub(t, h)
	ctx := callCtx(t)
	payer, payee := testKey("payer"), testKey("payee").PublicKey()
	if _, err := h.cl.RequestAirdrop(ctx, payer.PublicKey(), 1_000_000_000, ""); err != nil {
		t.Fatal(err)
	}
	bh, err := h.cl.GetLatestBlockhash(ctx, rpc.CommitmentProcessed)
	if err != nil {
		t.Fatal(err)
	}
	tx := transferTx(t, payer, payee, 1000, bh.Value.Blockhash)
	sig := tx.Signatures[0].String()
	sub := call(t, c, `{"jsonrpc":"2.0","id":7,"method":"signatureSubscribe","params":["`+sig+`",{"commitment":"finalized","enableReceivedNotification":true}]}`)
	if sub["id"] != 7.0 || sub["result"] == nil {
		t.Fatalf("signatureSubscribe reply = %v, want id 7 and a subscription id", sub)
	}
	if _, err := h.cl.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	got := next(t, c)
	params, _ := got["params"].(map[string]any)
	if got["method"] != "signatureNotification" || params["result"].(map[string]any)["value"] != "receivedSignature" {
		t.Fatalf("first notification = %v, want receivedSignature", got)
	}
	got = next(t, c)
	result := got["params"].(map[string]any)["result"].(map[string]any)
	if value, _ := result["value"].(map[string]any); value == nil || value["err"] != nil {
		t.Fatalf("second notification = %v, want {\"err\":null}", got)
	}
	st, err := h.cl.GetSignatureStatuses(ctx, false, tx.Signatures[0])
	if err != nil || st.Value[0].ConfirmationStatus != rpc.ConfirmationStatusFinalized {
		t.Errorf("status after the finalized notification = %+v, %v, want finalized", st, err)
	}
	un := call(t, c, `{"jsonrpc":"2.0","id":8,"method":"signatureUnsubscribe","params":[`+jsonNumber(sub["result"])+`]}`)
	if e, _ := un["error"].(map[string]any); e == nil || e["code"] != float64(CodeInvalidParams) || e["message"] != "Invalid subscription id." {
		t.Errorf("signatureUnsubscribe after the notification = %v, want -32602 Invalid subscription id.", un)
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPubSubEnvelope: unknown methods, RPC methods and bad params are
// errors; id-less notifications (client keep-alive pings) get no answer.
func TestPubSubEnvelope(t *testing.T) {
	h := start(t, Options{})
	c := dialPubSub(t, h)
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","method":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req  string
		code float64
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"getSlot"}`, CodeMethodNotFound},
		{`{"jsonrpc":"2.0","id":2,"method":"accountSubscribe","params":["abc"]}`, CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":3,"method":"logsSubscribe","params":[{"mentions":[]}]}`, CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":4,"method":"slotUnsubscribe","params":[999]}`, CodeInvalidParams},
		{`not json`, CodeParseError},
	} {
		got := call(t, c, tc.req) // the ping's answer, if any, would arrive here first
		if e, _ := got["error"].(map[string]any); e == nil || e["code"] != tc.code {
			t.Errorf("%s -> %v, want error %v", tc.req, got, tc.code)
		}
	}
}

// TestSlowSubscriberDropped: a connection that does not read is closed once
// its queue is full, and the slot loop keeps going. Fifty slot
// subscriptions against a queue of 4 overflow it at the first tick, without
// waiting for the kernel's socket buffers to fill.
func TestSlowSubscriberDropped(t *testing.T) {
	h := start(t, Options{PubSubQueue: 4})
	c := dialPubSub(t, h)
	for i := range 50 {
		req := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"slotSubscribe"}`, i)
		if c.WriteMessage(websocket.TextMessage, []byte(req)) != nil {
			break // dropped already: the replies alone overflowed the queue
		}
	}
	deadline := time.Now().Add(waitBound)
	for {
		h.sim.pubsub.mu.Lock()
		n := len(h.sim.pubsub.conns)
		h.sim.pubsub.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a subscriber that never reads still connected after %s", waitBound)
		}
		waitTicks(t, h.sim, 1)
	}
	before := h.sim.Slot()
	waitTicks(t, h.sim, 3)
	if h.sim.Slot() <= before {
		t.Errorf("slot stuck at %d after dropping the subscriber", before)
	}
}
