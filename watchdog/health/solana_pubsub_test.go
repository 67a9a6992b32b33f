package health

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/solanasim"
	"github.com/vigilhq/vigil/scenarios/solanasim/solanasimtest"
	"github.com/vigilhq/vigil/watchdog/config"
)

// TestSolanaPubSubProbe: with pubsub opted in, the check passes while slot
// notifications flow, fails within its bound when the websocket is dropped
// and refused (pubsub_down) or notifications are late (pubsub_slow), fails
// on a stalled node, and passes again after recovery — while getHealth says
// "ok" throughout.
func TestSolanaPubSubProbe(t *testing.T) {
	node := solanasimtest.Start(t, solanasim.Options{})
	sim, rpcURL, wsURL := node.Sim, node.RPC, node.WS
	const bound = 500 * time.Millisecond
	c := config.Check{
		Solana:  &config.SolanaCheck{URL: rpcURL, PubSub: &config.SolanaPubSub{URL: wsURL, Within: bound}},
		Timeout: 2 * time.Second,
	}
	chk, err := New(c, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(chk)
	run := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
		defer cancel()
		return chk.Check(ctx)
	}
	set := func(cond solanasim.Condition) {
		t.Helper()
		if _, err := sim.SetCondition(cond); err != nil {
			t.Fatal(err)
		}
	}
	if detail, err := run(); err != nil || !strings.Contains(detail, "pubsub slot") {
		t.Fatalf("healthy: Check = %q, %v; want a pass naming the pubsub slot", detail, err)
	}
	tests := []struct {
		name    string
		cond    solanasim.Condition
		wantErr string
	}{
		{"pubsub_down", solanasim.Condition{Mode: solanasim.ModePubSubDown}, "refused the websocket: 503"},
		{"pubsub_slow", solanasim.Condition{Mode: solanasim.ModePubSubSlow, Delay: 2 * time.Second}, "notifications are not flowing"},
		{"stalled", solanasim.Condition{Mode: solanasim.ModeStalled}, "notifications are not flowing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set(tc.cond)
			var err error
			within(t, c.Timeout+time.Second, "failing check", func() { _, err = run() })
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Check in %s = %v, want an error containing %q", tc.name, err, tc.wantErr)
			}
			set(solanasim.Condition{Mode: solanasim.ModeHealthy})
			if detail, err := run(); err != nil {
				t.Errorf("after %s recovered: Check = %q, %v; want a pass", tc.name, detail, err)
			}
		})
	}
}
