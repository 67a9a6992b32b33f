package health

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// rpcNode is a JSON-RPC test server replaying real Solana responses (see
// shared/reference/solana-rpc.md). It emits only jsonrpc/result/error/id, as
// solana-go decodes the envelope strictly, and echoes string ids verbatim.
type rpcNode struct {
	mu      sync.Mutex
	health  string // raw "result" or "error" member for getHealth
	slot    uint64
	account string // raw result for getAccountInfo
	hang    bool
	calls   map[string]int
}

const (
	healthOK      = `"result":"ok"`
	healthBehind  = `"error":{"code":-32005,"message":"Node is behind by 42 slots","data":{"numSlotsBehind":42}}`
	healthUnknown = `"error":{"code":-32005,"message":"Node is unhealthy","data":{"numSlotsBehind":null}}`
	testProgram   = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
)

// programAccount is getAccountInfo's result for an upgradeable program:
// 36 bytes of data (u32 LE 2, then the programdata address).
func programAccount(executable bool) string {
	data := base64.StdEncoding.EncodeToString(append([]byte{2, 0, 0, 0}, make([]byte, 32)...))
	return fmt.Sprintf(`{"context":{"slot":341},"value":{"data":[%q,"base64"],"executable":%t,"lamports":1141440,`+
		`"owner":"BPFLoaderUpgradeab1e11111111111111111111111","rentEpoch":18446744073709551615,"space":36}}`, data, executable)
}

const accountMissing = `{"context":{"slot":341},"value":null}`

func newRPCNode(t *testing.T) (*rpcNode, *httptest.Server) {
	n := &rpcNode{health: healthOK, slot: 100, account: programAccount(true), calls: map[string]int{}}
	srv := httptest.NewServer(n)
	t.Cleanup(srv.Close)
	return n, srv
}

func (n *rpcNode) set(f func(n *rpcNode)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(n)
}

func (n *rpcNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	n.calls[req.Method]++
	hang := n.hang
	var member string
	switch req.Method {
	case "getHealth":
		member = n.health
	case "getSlot":
		member = fmt.Sprintf(`"result":%d`, n.slot)
	case "getAccountInfo":
		member = `"result":` + n.account
	default:
		member = `"error":{"code":-32601,"message":"Method not found"}`
	}
	n.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"jsonrpc":"2.0",%s,"id":%s}`, member, req.ID)
}

func TestSolana(t *testing.T) {
	node, srv := newRPCNode(t)
	ref, refSrv := newRPCNode(t)
	tests := []struct {
		name    string
		cfg     config.SolanaCheck
		setup   func(n, ref *rpcNode)
		wantErr string
		detail  string
	}{
		{name: "ok", detail: "slot 100"},
		{name: "behind", setup: func(n, _ *rpcNode) { n.health = healthBehind }, wantErr: "node is behind by 42 slots"},
		{name: "behind allowed", cfg: config.SolanaCheck{AllowBehind: true}, setup: func(n, _ *rpcNode) { n.health = healthBehind },
			detail: "node is behind by 42 slots (allowed) slot 100"},
		{name: "unknown", setup: func(n, _ *rpcNode) { n.health = healthUnknown }, wantErr: "node health unknown"},
		{name: "unknown not allowed by allow_behind", cfg: config.SolanaCheck{AllowBehind: true},
			setup: func(n, _ *rpcNode) { n.health = healthUnknown }, wantErr: "node health unknown"},
		{name: "other rpc error", setup: func(n, _ *rpcNode) { n.health = `"error":{"code":-32603,"message":"Internal error"}` },
			wantErr: "getHealth: rpc error -32603: Internal error"},
		{name: "lag within bound", cfg: config.SolanaCheck{Reference: refSrv.URL, MaxSlotLag: 150},
			setup: func(_, r *rpcNode) { r.slot = 200 }, detail: "slot 100 lag 100"},
		{name: "lag too high", cfg: config.SolanaCheck{Reference: refSrv.URL, MaxSlotLag: 50},
			setup: func(_, r *rpcNode) { r.slot = 200 }, wantErr: "slot 100 lags reference slot 200 by 100 (max_slot_lag 50)"},
		{name: "ahead of reference", cfg: config.SolanaCheck{Reference: refSrv.URL, MaxSlotLag: 1},
			setup: func(_, r *rpcNode) { r.slot = 90 }, detail: "lag 0"},
		{name: "program deployed", cfg: config.SolanaCheck{Program: testProgram}, detail: "slot 100 program ok"},
		{name: "program missing", cfg: config.SolanaCheck{Program: testProgram},
			setup: func(n, _ *rpcNode) { n.account = accountMissing }, wantErr: "program " + testProgram + " not deployed"},
		{name: "program not executable", cfg: config.SolanaCheck{Program: testProgram},
			setup: func(n, _ *rpcNode) { n.account = programAccount(false) }, wantErr: "is an account but not executable"},
		{name: "hang bounded by timeout", setup: func(n, _ *rpcNode) { n.hang = true }, wantErr: "no answer before the check's timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reset := func(n *rpcNode) { n.health, n.slot, n.account, n.hang = healthOK, 100, programAccount(true), false }
			node.set(reset)
			ref.set(reset)
			if tc.setup != nil {
				node.set(func(n *rpcNode) { ref.set(func(r *rpcNode) { tc.setup(n, r) }) })
			}
			tc.cfg.URL = srv.URL
			within(t, 3*time.Second, "solana check with timeout 300ms", func() {
				detail, err := runCheck(t, config.Check{Solana: &tc.cfg, Timeout: 300 * time.Millisecond}, Deps{})
				checkOutcome(t, detail, err, tc.wantErr, tc.detail)
			})
		})
	}
}

func TestSolanaRefused(t *testing.T) {
	_, srv := newRPCNode(t)
	srv.Close()
	_, err := runCheck(t, config.Check{Solana: &config.SolanaCheck{URL: srv.URL}}, Deps{})
	checkOutcome(t, "", err, "connection refused", "")
}

// TestSolanaStalledSlot pins that a node answering getHealth "ok" while its
// slot does not move fails once slot_advance has passed, and passes again as
// soon as the slot moves.
func TestSolanaStalledSlot(t *testing.T) {
	node, srv := newRPCNode(t)
	chk, err := New(config.Check{Solana: &config.SolanaCheck{URL: srv.URL, SlotAdvance: 2 * time.Second}}.Defaulted(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(chk)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	chk.(*solanaChecker).now = func() time.Time { return now }
	steps := []struct {
		after   time.Duration
		slot    uint64
		wantErr string
	}{
		{0, 100, ""},
		{time.Second, 100, ""}, // not yet stalled
		{1500 * time.Millisecond, 100, "slot 100 has not advanced for 2.5s (slot_advance 2s): the node is stalled"},
		{time.Second, 101, ""}, // moved again
		{1500 * time.Millisecond, 101, ""},
		{600 * time.Millisecond, 101, "has not advanced for 2.1s"},
		{time.Second, 5, ""}, // reset ledger: a lower slot is progress too
	}
	for i, st := range steps {
		now = now.Add(st.after)
		node.set(func(n *rpcNode) { n.slot = st.slot })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		detail, err := chk.Check(ctx)
		cancel()
		t.Logf("step %d: slot %d: %q %v", i, st.slot, detail, err)
		checkOutcome(t, detail, err, st.wantErr, fmt.Sprintf("slot %d", st.slot))
	}
}
