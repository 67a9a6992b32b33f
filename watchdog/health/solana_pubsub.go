package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// pubsubProbe checks that a Solana node's PubSub websocket delivers slot
// notifications: each run dials, sends slotSubscribe and waits for one
// slotNotification, then closes. It holds no connection between runs and
// starts no goroutine that outlives a run. A minimal gorilla/websocket
// client rather than solana-go's rpc/ws (docs/DEPENDENCIES.md): one
// request, one notification, every wait bounded by the run's context.
type pubsubProbe struct {
	url    string
	within time.Duration // 0: the rest of the run's timeout
	dialer websocket.Dialer
}

func newPubSubProbe(url string, within time.Duration) *pubsubProbe {
	return &pubsubProbe{url: url, within: within, dialer: websocket.Dialer{Proxy: http.ProxyFromEnvironment}}
}

// slotSubscribeRequest is the one request a run sends.
const slotSubscribeRequest = `{"jsonrpc":"2.0","id":1,"method":"slotSubscribe"}`

// pubsubFrame is a subscribe answer or a notification.
type pubsubFrame struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Params struct {
		Result struct {
			Slot uint64 `json:"slot"`
		} `json:"result"`
	} `json:"params"`
}

// check returns the slot of the first slot notification and how long it
// took from subscribing.
func (p *pubsubProbe) check(ctx context.Context) (uint64, time.Duration, error) {
	if p.within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.within)
		defer cancel()
	}
	conn, resp, err := p.dialer.DialContext(ctx, p.url, nil)
	if err != nil {
		if resp != nil {
			return 0, 0, fmt.Errorf("PubSub %s refused the websocket: %s", p.url, resp.Status)
		}
		return 0, 0, errTimeout(ctx, "PubSub dial "+p.url, err)
	}
	defer conn.Close()
	// A cancelled run must not wait for the read deadline.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(dl)
		_ = conn.SetWriteDeadline(dl)
	}
	start := time.Now()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(slotSubscribeRequest)); err != nil {
		return 0, 0, errTimeout(ctx, "PubSub slotSubscribe on "+p.url, err)
	}
	subscribed := false
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			what := "no slot notification"
			if !subscribed {
				what = "no answer to slotSubscribe"
			}
			return 0, 0, p.readErr(ctx, what, start, err)
		}
		var f pubsubFrame
		if err := json.Unmarshal(b, &f); err != nil {
			return 0, 0, fmt.Errorf("PubSub %s sent a frame that is not JSON-RPC: %.80q", p.url, b)
		}
		switch {
		case f.Error != nil:
			return 0, 0, fmt.Errorf("PubSub %s: slotSubscribe: rpc error %d: %s", p.url, f.Error.Code, f.Error.Message)
		case string(f.ID) == "1":
			subscribed = true
		case f.Method == "slotNotification":
			return f.Params.Result.Slot, time.Since(start), nil
		}
	}
}

// readErr names why no notification came: the bound passed (the node is
// slow or stalled), or the node closed the websocket.
func (p *pubsubProbe) readErr(ctx context.Context, what string, start time.Time, err error) error {
	var ne interface{ Timeout() bool }
	if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%s on PubSub %s within %s: notifications are not flowing (node stalled, or PubSub slow)",
			what, p.url, time.Since(start).Round(time.Millisecond))
	}
	return fmt.Errorf("%s on PubSub %s: the websocket closed: %w", what, p.url, err)
}
