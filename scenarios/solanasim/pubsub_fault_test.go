package solanasim

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestPubSubDownDropsAndRefuses: pubsub_down closes every live websocket
// and refuses new ones with 503 while RPC stays healthy; back to healthy,
// clients connect and get slot notifications again.
func TestPubSubDownDropsAndRefuses(t *testing.T) {
	h := start(t, Options{})
	srv := httptest.NewServer(h.sim.PubSubHandler())
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	c, _, err := websocket.DefaultDialer.DialContext(callCtx(t), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	call(t, c, `{"jsonrpc":"2.0","id":1,"method":"slotSubscribe"}`)
	next(t, c) // a slot notification flows

	if _, err := h.sim.SetCondition(Condition{Mode: ModePubSubDown}); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(waitBound))
	for {
		if _, _, err = c.ReadMessage(); err != nil {
			break // queued notifications may come first; then the close
		}
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("websocket still open %s after pubsub_down", waitBound)
	}
	_, resp, err := websocket.DefaultDialer.DialContext(callCtx(t), url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial during pubsub_down = %v (response %v), want 503", err, resp)
	}
	if got, err := h.cl.GetHealth(callCtx(t)); err != nil || got != "ok" {
		t.Errorf("getHealth during pubsub_down = %q, %v; want ok (only PubSub is down)", got, err)
	}

	if _, err := h.sim.SetCondition(Condition{Mode: ModeHealthy}); err != nil {
		t.Fatal(err)
	}
	c2, _, err := websocket.DefaultDialer.DialContext(callCtx(t), url, nil)
	if err != nil {
		t.Fatalf("dial after pubsub_down ends: %v", err)
	}
	defer c2.Close()
	call(t, c2, `{"jsonrpc":"2.0","id":2,"method":"slotSubscribe"}`)
	if got := next(t, c2); got["method"] != "slotNotification" {
		t.Errorf("after recovery got %v, want a slotNotification", got)
	}
}

// TestPubSubSlowHoldsNotifications: pubsub_slow answers subscribe at
// once but writes each notification no earlier than delay after it was
// due.
func TestPubSubSlowHoldsNotifications(t *testing.T) {
	const delay = 300 * time.Millisecond
	h := start(t, Options{})
	c := dialPubSub(t, h)
	if _, err := h.sim.SetCondition(Condition{Mode: ModePubSubSlow, Delay: delay}); err != nil {
		t.Fatal(err)
	}
	asked := time.Now()
	sub := call(t, c, `{"jsonrpc":"2.0","id":1,"method":"slotSubscribe"}`)
	if sub["result"] == nil {
		t.Fatalf("slotSubscribe = %v, want a subscription id", sub)
	}
	got := next(t, c)
	if got["method"] != "slotNotification" {
		t.Fatalf("got %v, want a slotNotification", got)
	}
	if took := time.Since(asked); took < delay {
		t.Errorf("first slot notification after %s, want at least the %s delay", took, delay)
	}
	if c := h.sim.Condition(); c.Mode != ModePubSubSlow || c.Delay != delay {
		t.Errorf("Condition() = %+v, want pubsub_slow %s", c, delay)
	}
}
