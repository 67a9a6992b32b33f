package solanasim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
)

func TestHealthModes(t *testing.T) {
	tests := []struct {
		name       string
		cond       Condition
		wantCode   int // 0: getHealth answers "ok"
		wantMsg    string
		wantBehind any // numSlotsBehind in error data
		wantBody   string
	}{
		{"healthy", Condition{Mode: ModeHealthy}, 0, "", nil, "ok"},
		{"behind", Condition{Mode: ModeBehind, BehindSlots: 42}, CodeNodeUnhealthy, "Node is behind by 42 slots", json.Number("42"), "behind"},
		{"behind default lag", Condition{Mode: ModeBehind}, CodeNodeUnhealthy, "Node is behind by 150 slots", json.Number("150"), "behind"},
		{"unknown", Condition{Mode: ModeUnknown}, CodeNodeUnhealthy, "Node is unhealthy", nil, "unknown"},
		{"stalled still says ok", Condition{Mode: ModeStalled}, 0, "", nil, "ok"},
	}
	h := start(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := callCtx(t)
			if _, err := SetRemoteCondition(ctx, nil, h.url, tc.cond); err != nil {
				t.Fatalf("SetRemoteCondition(%+v) error = %v", tc.cond, err)
			}
			got, err := h.cl.GetHealth(ctx)
			if tc.wantCode == 0 {
				if err != nil || got != rpc.HealthOk {
					t.Errorf("GetHealth() = %q, %v, want ok", got, err)
				}
			} else {
				re := wantRPCError(t, err, tc.wantCode, tc.wantMsg)
				data, ok := re.Data.(map[string]any)
				if !ok {
					t.Fatalf("error data = %#v, want an object", re.Data)
				}
				behind, present := data["numSlotsBehind"]
				if !present || behind != tc.wantBehind {
					t.Errorf("numSlotsBehind = %#v (present %v), want %#v", behind, present, tc.wantBehind)
				}
			}
			if code, body := doHTTP(t, http.MethodGet, h.url+HealthPath, ""); code != http.StatusOK || body != tc.wantBody {
				t.Errorf("GET /health = %d %q, want 200 %q", code, body, tc.wantBody)
			}
		})
	}
}

// TestStalledSlotStopsWhileHealthOK pins the real-world case a bare
// getHealth misses: the node answers "ok" but its slot no longer moves.
func TestStalledSlotStopsWhileHealthOK(t *testing.T) {
	h := start(t, Options{})
	ctx := callCtx(t)
	slot := func() uint64 {
		t.Helper()
		s, err := h.cl.GetSlot(ctx, rpc.CommitmentProcessed)
		if err != nil {
			t.Fatalf("GetSlot() error = %v", err)
		}
		return s
	}

	first := slot()
	waitTicks(t, h.sim, 3)
	if moved := slot(); moved <= first {
		t.Fatalf("healthy: slot %d after 3 ticks, want > %d", moved, first)
	}

	if _, err := h.sim.SetCondition(Condition{Mode: ModeStalled}); err != nil {
		t.Fatal(err)
	}
	waitTicks(t, h.sim, 1) // a tick already past its mode check may still advance
	before := slot()
	waitTicks(t, h.sim, 5)
	after := slot()
	if after != before {
		t.Errorf("stalled: slot %d then %d five ticks later, want equal", before, after)
	}
	if got, err := h.cl.GetHealth(ctx); err != nil || got != rpc.HealthOk {
		t.Errorf("stalled: GetHealth() = %q, %v, want ok (a stalled node still says ok)", got, err)
	}

	if _, err := h.sim.SetCondition(Condition{Mode: ModeHealthy}); err != nil {
		t.Fatal(err)
	}
	waitTicks(t, h.sim, 3)
	if resumed := slot(); resumed <= after {
		t.Errorf("recovered: slot %d, want > %d", resumed, after)
	}
}

func TestSlowModeHonoursDeadlines(t *testing.T) {
	h := start(t, Options{})
	if _, err := h.sim.SetCondition(Condition{Mode: ModeSlow, Delay: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := h.cl.GetSlot(ctx, rpc.CommitmentProcessed)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: GetSlot() with 100ms deadline error = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(began); took > 4*time.Second {
		t.Errorf("slow: GetSlot() gave up after %s, want about the 100ms deadline", took)
	}

	// A deadline longer than the delay gets its answer.
	if _, err := h.sim.SetCondition(Condition{Mode: ModeSlow, Delay: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if got, err := h.cl.GetHealth(callCtx(t)); err != nil || got != rpc.HealthOk {
		t.Errorf("slow 50ms: GetHealth() = %q, %v, want ok", got, err)
	}
	if code, body := doHTTP(t, http.MethodGet, h.url+HealthPath, ""); code != http.StatusOK || body != "ok" {
		t.Errorf("slow 50ms: GET /health = %d %q, want 200 ok", code, body)
	}
}
