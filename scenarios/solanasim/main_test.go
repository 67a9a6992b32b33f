package solanasim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/faults/runtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testSlot is short so stall/progress tests take milliseconds.
const testSlot = 20 * time.Millisecond

// waitBound caps every wait in these tests.
const waitBound = 10 * time.Second

// harness is a running Sim behind a real HTTP server and solana-go client.
type harness struct {
	sim *Sim
	url string
	cl  *rpc.Client
}

// start runs a Sim with Run and an httptest server, stopped at cleanup.
func start(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.SlotInterval == 0 {
		opts.SlotInterval = testSlot
	}
	sim := New(opts)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	cl := rpc.New(srv.URL)
	t.Cleanup(func() { _ = cl.Close() })
	runtest.Start(t, sim.Run, waitBound) // stopped first: cleanups run last first
	return &harness{sim: sim, url: srv.URL, cl: cl}
}

// ctx is a per-call context: solana-go's own timeout is five minutes.
func callCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	t.Cleanup(cancel)
	return ctx
}

// waitTicks blocks until n slot intervals have passed, stalled or not.
func waitTicks(t *testing.T, sim *Sim, n int) {
	t.Helper()
	for range n {
		select {
		case <-sim.ledger.nextTick():
		case <-time.After(waitBound):
			t.Fatalf("no slot tick within %s", waitBound)
		}
	}
}

// asRPCError unwraps a JSON-RPC error from a solana-go call.
func asRPCError(t *testing.T, err error) *jsonrpc.RPCError {
	t.Helper()
	var re *jsonrpc.RPCError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *jsonrpc.RPCError", err, err)
	}
	return re
}

// wantRPCError checks code and message of a failed call.
func wantRPCError(t *testing.T, err error, code int, message string) *jsonrpc.RPCError {
	t.Helper()
	re := asRPCError(t, err)
	if re.Code != code || (message != "" && re.Message != message) {
		t.Fatalf("error = %d %q, want %d %q", re.Code, re.Message, code, message)
	}
	return re
}

// doHTTP sends a plain HTTP request and returns status and body.
func doHTTP(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(callCtx(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s error = %v", method, url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s read error = %v", method, url, err)
	}
	return resp.StatusCode, string(out)
}
