// Package solanasimtest runs a real in-process solanasim for other
// packages' tests: RPC and PubSub on httptest servers, slots advancing,
// everything stopped at cleanup.
package solanasimtest

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	wsSrv := httptest.NewServer(sim.PubSubHandler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("solanasim Run() = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("solanasim Run did not return within 10s of cancel")
		}
		wsSrv.Close()
		rpcSrv.Close()
	})
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
