package conformance

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/scenarios/solanasim"
	"github.com/vigilhq/vigil/scenarios/solanasim/solanasimtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	report(os.Stderr, againstValidator.Load())
	if code == 0 {
		if err := goleak.Find(goleakOptions...); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// goleakOptions ignores idle keep-alive connections of library HTTP
// clients (testcontainers' wait strategy) that the validator test cannot
// close.
var goleakOptions = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
}

// TestSimulator runs the suite against an in-process simulator with 10 ms
// slots, so finalization (32 slots) and blockhash expiry (151) take
// seconds.
func TestSimulator(t *testing.T) {
	node := solanasimtest.Start(t, solanasim.Options{SlotInterval: 10 * time.Millisecond, Seed: 12})
	Run(t, Config{
		RPC:           node.RPC,
		WS:            node.WS,
		ConfirmWithin: 2 * time.Second,
		Timeout:       20 * time.Second,
		ProgramID:     node.Sim.ProgramID(),
		Expiry:        true,
	})
}

// TestValidator runs the suite against the node at VIGIL_SOLANA_RPC (PubSub
// at VIGIL_SOLANA_WS, default the RPC port + 1), e.g. a
// solana-test-validator; VIGIL_SOLANA_EXPIRY=1 adds the minute-long
// blockhash-expiry check.
func TestValidator(t *testing.T) {
	rpcURL := os.Getenv("VIGIL_SOLANA_RPC")
	if rpcURL == "" {
		t.Skip("VIGIL_SOLANA_RPC not set: no validator to check")
	}
	wsURL := os.Getenv("VIGIL_SOLANA_WS")
	if wsURL == "" {
		var err error
		if wsURL, err = solanasim.PubSubURL(rpcURL); err != nil {
			t.Fatalf("derive the PubSub URL from VIGIL_SOLANA_RPC: %v: set VIGIL_SOLANA_WS", err)
		}
	}
	againstValidator.Store(true)
	Run(t, Config{RPC: rpcURL, WS: wsURL, Timeout: 3 * time.Minute, Expiry: os.Getenv("VIGIL_SOLANA_EXPIRY") == "1"})
}
