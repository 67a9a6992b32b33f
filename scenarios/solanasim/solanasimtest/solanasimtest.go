// Package solanasimtest runs a real in-process solanasim for other
// packages' tests: RPC and PubSub on httptest servers, slots advancing,
// everything stopped at cleanup.
package solanasimtest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/scenarios/solanasim"
)

// Node is a running simulator and where it answers.
type Node struct {
	Sim *solanasim.Sim
	// RPC is the JSON-RPC base URL (http://127.0.0.1:port).
	RPC string
	// WS is the PubSub websocket URL (ws://127.0.0.1:port; not RPC + 1).
	WS string
}

// Start runs solanasim with opts (SlotInterval default 20 ms) until tb's
// cleanup, which stops Run, waits for it (bounded) and closes both servers.
func Start(tb testing.TB, opts solanasim.Options) *Node {
	tb.Helper()
	if opts.SlotInterval == 0 {
		opts.SlotInterval = 20 * time.Millisecond
	}
	sim := solanasim.New(opts)
	rpcSrv := httptest.NewServer(sim.Handler())
	tb.Cleanup(rpcSrv.Close)
	wsSrv := httptest.NewServer(sim.PubSubHandler())
	tb.Cleanup(wsSrv.Close)
	runtest.Start(tb, sim.Run, 10*time.Second) // stopped first: cleanups run last first
	return &Node{Sim: sim, RPC: rpcSrv.URL, WS: "ws" + strings.TrimPrefix(wsSrv.URL, "http")}
}

// Serve serves a simulator's JSON-RPC (and admin API) until tb's cleanup,
// without Run: its slots do not advance and there is no PubSub (WS is "").
// For tests of what the admin API sets, not of the chain.
func Serve(tb testing.TB, opts solanasim.Options) *Node {
	tb.Helper()
	sim := solanasim.New(opts)
	srv := httptest.NewServer(sim.Handler())
	tb.Cleanup(srv.Close)
	return &Node{Sim: sim, RPC: srv.URL}
}
